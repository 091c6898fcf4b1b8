#!/usr/bin/env python3
"""Writes Tests/SluiceKVEventsTests/Resources/kv_event_batches.json: KV-event batches encoded by
msgspec with the structs vLLM declares (vllm/distributed/kv_events.py, array_like and tagged),
the bytes Sluice's own msgpack writer must reproduce exactly.

Run with the venv of scripts/setup_kv_events_python.sh:
    $(scripts/setup_kv_events_python.sh | tail -1) scripts/make_kv_event_fixtures.py
"""
import json
import pathlib
import sys

import msgspec

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from kv_events_subscriber import AllBlocksCleared, BlockRemoved, BlockStored, KVEventBatch  # noqa: E402


def block_hash(high: int, low: int) -> bytes:
    return high.to_bytes(8, "big") + low.to_bytes(8, "big")


def stored(hashes, parent, tokens, block_size):
    return BlockStored(block_hashes=hashes, parent_block_hash=parent, token_ids=tokens, block_size=block_size,
                       lora_id=None, medium="GPU", lora_name=None)


CASES = [
    # name, ts, events, each event also written out for the Swift side to rebuild
    ("empty", 0.0, []),
    ("one stored block, no parent", 1764600000.25,
     [stored([block_hash(0x0123456789ABCDEF, 0xFEDCBA9876543210)], None, [1, 2, 3, 4], 4)]),
    ("a run with a parent, large token ids, then removals and a clear", 1764600001.5,
     [stored([block_hash(1, 2), block_hash(3, 4)], block_hash(0xFFFFFFFFFFFFFFFF, 0),
             [0, 127, 128, 255, 256, 65535, 65536, 151935], 4),
      BlockRemoved(block_hashes=[block_hash(1, 2), block_hash(5, 6)], medium="GPU"),
      AllBlocksCleared()]),
    ("sixteen blocks (array16 headers)", 2.0,
     [stored([block_hash(i, i) for i in range(16)], None, list(range(16 * 2)), 2)]),
]


def describe(event) -> dict:
    if isinstance(event, BlockStored):
        return {"type": "BlockStored", "block_hashes": [h.hex() for h in event.block_hashes],
                "parent_block_hash": event.parent_block_hash.hex() if event.parent_block_hash else None,
                "token_ids": event.token_ids, "block_size": event.block_size}
    if isinstance(event, BlockRemoved):
        return {"type": "BlockRemoved", "block_hashes": [h.hex() for h in event.block_hashes]}
    return {"type": "AllBlocksCleared"}


def main() -> None:
    encoder = msgspec.msgpack.Encoder()
    cases = []
    for name, ts, events in CASES:
        batch = KVEventBatch(ts=ts, events=events, data_parallel_rank=0)
        cases.append({"name": name, "ts": ts, "events": [describe(e) for e in events],
                      "msgpack_hex": encoder.encode(batch).hex()})
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/SluiceKVEventsTests/Resources/kv_event_batches.json"
    out.write_text(json.dumps({"generator": f"msgspec {msgspec.__version__}", "cases": cases}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
