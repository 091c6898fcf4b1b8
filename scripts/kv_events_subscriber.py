#!/usr/bin/env python3
"""Subscribes to a server's KV-cache events and rebuilds its set of cached blocks.

Decodes every message as vLLM's consumers do (and once more with plain msgpack, to check the layout): three frames (topic, 8-byte big-endian sequence
number, payload), the payload decoded with msgspec into structs declared as vLLM declares them
in vllm/distributed/kv_events.py (array_like, tagged with the class name). Each BlockStored adds
its hashes, BlockRemoved removes them, AllBlocksCleared empties the set.

Prints "ready" once subscribed, then runs until SIGTERM or SIGINT (or --seconds), and prints one
JSON object: the rebuilt set (hex hashes), the sequence numbers seen, what it counted, and any
problem found (a gap in the sequence, a BlockRemoved of an unknown hash, a BlockStored whose
parent is unknown, a block whose token count is not block_size). With --replay it first asks
the replay endpoint for every batch from sequence 0, so batches sent before it joined are not lost.

Used by the KV-event test (Tests/SluiceServerTests/KVEventsTests.swift) through the venv of
scripts/setup_kv_events_python.sh.
"""
import argparse
import json
import signal
import sys
import time
from typing import Any, Optional, Union

import msgpack
import msgspec
import zmq


class EventBatch(msgspec.Struct, array_like=True, omit_defaults=True, gc=False):
    ts: float
    events: list[Any]
    data_parallel_rank: Optional[int] = None


class KVCacheEvent(msgspec.Struct, array_like=True, omit_defaults=True, gc=False, tag=True):
    pass


class BlockStored(KVCacheEvent):
    block_hashes: list[Union[bytes, int]]
    parent_block_hash: Union[bytes, int, None]
    token_ids: list[int]
    block_size: int
    lora_id: Optional[int]
    medium: Optional[str]
    lora_name: Optional[str]


class BlockRemoved(KVCacheEvent):
    block_hashes: list[Union[bytes, int]]
    medium: Optional[str]


class AllBlocksCleared(KVCacheEvent):
    pass


class KVEventBatch(EventBatch):
    events: list[Union[BlockStored, BlockRemoved, AllBlocksCleared]]


def hex_of(block_hash: Union[bytes, int]) -> str:
    return block_hash.hex() if isinstance(block_hash, bytes) else format(block_hash, "032x")


class Replica:
    """The cached-block set one replica's events describe."""

    def __init__(self) -> None:
        self.cached: set[str] = set()
        self.problems: list[str] = []
        self.counts = {"BlockStored": 0, "BlockRemoved": 0, "AllBlocksCleared": 0, "blocks_stored": 0}
        self.sequences: list[int] = []
        self.topics: set[str] = set()

    def apply(self, sequence: int, batch: KVEventBatch) -> None:
        self.sequences.append(sequence)
        for event in batch.events:
            kind = type(event).__name__
            self.counts[kind] += 1
            if isinstance(event, BlockStored):
                parent = event.parent_block_hash
                if parent is not None and hex_of(parent) not in self.cached:
                    self.problems.append(f"seq {sequence}: BlockStored with an uncached parent {hex_of(parent)}")
                if len(event.token_ids) != event.block_size * len(event.block_hashes):
                    self.problems.append(f"seq {sequence}: {len(event.token_ids)} tokens for "
                                         f"{len(event.block_hashes)} blocks of {event.block_size}")
                if event.medium != "GPU":
                    self.problems.append(f"seq {sequence}: medium {event.medium!r}")
                for block_hash in event.block_hashes:
                    self.cached.add(hex_of(block_hash))
                    self.counts["blocks_stored"] += 1
            elif isinstance(event, BlockRemoved):
                for block_hash in event.block_hashes:
                    if hex_of(block_hash) not in self.cached:
                        self.problems.append(f"seq {sequence}: BlockRemoved of an unknown block {hex_of(block_hash)}")
                    self.cached.discard(hex_of(block_hash))
            else:
                self.cached.clear()

    def report(self) -> dict:
        ordered = sorted(self.sequences)
        if ordered != list(range(len(ordered))):
            self.problems.append(f"sequence numbers are not 0, 1, 2, ...: {ordered[:20]}")
        return {"cached": sorted(self.cached), "sequences": ordered, "counts": self.counts,
                "topics": sorted(self.topics), "problems": self.problems}


def replay(context: zmq.Context, endpoint: str, batches: dict) -> Optional[str]:
    """Asks for every batch from sequence 0 and keeps those not seen live; a problem, or None.

    A DEALER rather than vLLM's example's REQ: the answer is several messages, which a REQ socket
    would refuse after the first. The DEALER adds the empty delimiter a REQ would.
    """
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(endpoint)
    dealer.send_multipart([b"", (0).to_bytes(8, "big")])
    try:
        while True:
            if not dealer.poll(5000):
                return "the replay endpoint did not answer"
            _, sequence_bytes, payload = dealer.recv_multipart()
            sequence = int.from_bytes(sequence_bytes, "big", signed=True)
            if sequence < 0:
                return None
            batches.setdefault(sequence, payload)
    finally:
        dealer.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True, help="the publisher's endpoint to connect to (or to bind, with --bind)")
    parser.add_argument("--bind", action="store_true", help="bind the endpoint (for a publisher that connects)")
    parser.add_argument("--topic", default="")
    parser.add_argument("--replay", help="the publisher's replay endpoint")
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()

    stop = False

    def on_signal(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # A parent may start us with these blocked (Foundation's Process passes its thread's mask on).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    context = zmq.Context()
    subscriber = context.socket(zmq.SUB)
    subscriber.setsockopt(zmq.LINGER, 0)
    (subscriber.bind if args.bind else subscriber.connect)(args.endpoint)
    subscriber.setsockopt_string(zmq.SUBSCRIBE, args.topic)
    decoder = msgspec.msgpack.Decoder(type=KVEventBatch)
    replica = Replica()
    # Payloads by sequence number, applied in order at the end: replayed batches come after
    # live ones that followed them, and the cached set depends on the order.
    batches: dict[int, bytes] = {}
    print("ready", flush=True)
    deadline = time.monotonic() + args.seconds
    while not stop and time.monotonic() < deadline:
        if not subscriber.poll(100):
            continue
        topic, sequence_bytes, payload = subscriber.recv_multipart()
        replica.topics.add(topic.decode())
        batches[int.from_bytes(sequence_bytes, "big")] = payload
    live = len(batches)
    if args.replay:
        problem = replay(context, args.replay, batches)
        if problem:
            replica.problems.append(problem)
    for sequence in sorted(batches):
        # A second, independent reading: plain msgpack sees the array layout msgspec expects.
        raw = msgpack.unpackb(batches[sequence])
        if not (isinstance(raw, list) and len(raw) >= 2 and isinstance(raw[0], float)
                and all(isinstance(event, list) and isinstance(event[0], str) for event in raw[1])):
            replica.problems.append(f"seq {sequence}: not [ts, [[tag, ...], ...], ...]: {raw!r:.200}")
        replica.apply(sequence, decoder.decode(batches[sequence]))
    report = replica.report()
    report["live"] = live
    print(json.dumps(report), flush=True)
    subscriber.close()
    context.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
