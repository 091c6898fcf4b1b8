"""Writes Tests/SluiceHuggingFaceTests/Resources/safetensors_minilm.json: every tensor of
all-MiniLM-L6-v2's model.safetensors (name, dtype, shape, data offsets) and a few of its values,
read by Hugging Face's own `safetensors` package, for SafetensorsFileTests to compare against.

    scripts/setup_hf_python.sh
    swift run sluice pull minilm
    ~/.cache/sluice/hf-venv/bin/python scripts/make_safetensors_fixtures.py [MODEL_FOLDER]
"""
import json
import os
import struct
import sys

import numpy as np
import safetensors
from safetensors import safe_open

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
OUT = os.path.join(REPO, "Tests/SluiceHuggingFaceTests/Resources/safetensors_minilm.json")


def sample(array):
    """The first three values, the middle one and the last one, by flat index, as Python numbers."""
    flat = array.reshape(-1)
    n = flat.size
    picks = sorted({i for i in (0, 1, 2, n // 2, n - 1) if 0 <= i < n})
    return [[i, flat[i].item()] for i in picks]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(CACHE, "models/all-minilm-l6-v2")
    path = os.path.join(folder, "model.safetensors")
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
    tensors = []
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
        for name in f.keys():
            array = f.get_tensor(name)
            entry = header[name]
            tensors.append({
                "name": name,
                "dtype": entry["dtype"],
                "shape": list(array.shape),
                "data_offsets": entry["data_offsets"],
                "values": sample(array),
            })
    tensors.sort(key=lambda t: t["data_offsets"][0])
    fixture = {
        "model": "all-MiniLM-L6-v2 model.safetensors",
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
        "header_length": header_length,
        "metadata": metadata,
        "tensors": tensors,
    }
    with open(OUT, "w") as f:
        f.write("{\n")
        for key in ("model", "safetensors", "numpy", "header_length", "metadata"):
            f.write(f" {json.dumps(key)}: {json.dumps(fixture[key])},\n")
        f.write(' "tensors": [\n')
        f.write(",\n".join("  " + json.dumps(t) for t in tensors))
        f.write("\n ]\n}\n")
    print(f"{len(tensors)} tensors -> {OUT}")


if __name__ == "__main__":
    main()
