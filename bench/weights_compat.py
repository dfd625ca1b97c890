"""Benchmark: plain `torch.load` versus weights_compat's load + identify + adapt + strict load.

Full-size random upstream-format checkpoints (s2G v2, 52.9M elements; s1 v2, 77.6M) are
written to a temporary folder; each variant then runs in a fresh process so its peak
resident memory is its own. "extra peak" is the peak RSS above the process's RSS after the
target model was built, i.e. what loading costs on top of the model itself.

    python bench/weights_compat.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = REPO_ROOT / "tests" / "data" / "manifests"
KINDS = {"s2G": ("s2G_v2", "enc_p.text_embedding.weight", ""), "s1": ("s1_v2", "model.ar_text_embedding.word_embeddings.weight", "model.")}


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_variant(kind: str, variant: str, path: str) -> dict:
    """One measurement in this process: build the target model, then load the file."""
    import torch

    sys.path.insert(0, str(REPO_ROOT))
    from GPT_SoVITS import weights_compat as wc
    from GPT_SoVITS.manifest import ManifestModule, read_manifest
    from GPT_SoVITS.text.symbols import default_table_name, get_table

    torch.set_num_threads(1)
    manifest, key, strip = KINDS[kind]
    table = get_table(default_table_name())
    rows = 732 if variant == "torch.load" else len(table)
    model = ManifestModule(read_manifest(MANIFESTS / f"{manifest}_manifest.tsv"), overrides={key: (rows, 512 if kind == "s1" else 192)}, strip=strip)
    before = _rss_mb()
    start = time.perf_counter()
    if variant == "torch.load":
        state = torch.load(path, map_location="cpu", weights_only=True)["weight"]
        if strip:
            state = {k[len(strip):]: v for k, v in state.items()}
        model.load_state_dict(state)
    else:
        wc.load_into(model, path, table=table)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "extra_peak_mb": peak - before, "table": table.name, "rows": rows}


def _make_checkpoints(folder: Path) -> dict[str, Path]:
    import torch

    sys.path.insert(0, str(REPO_ROOT))
    from GPT_SoVITS.manifest import random_state_dict, read_manifest

    paths = {}
    for kind, (manifest, _, _) in KINDS.items():
        entries = read_manifest(MANIFESTS / f"{manifest}_manifest.tsv")
        paths[kind] = folder / f"{manifest}.pth"
        torch.save({"weight": random_state_dict(entries), "config": {}, "info": "bench"}, paths[kind])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("KIND", "VARIANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_variant(*args.one)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = _make_checkpoints(Path(tmp))
        print(f"{'checkpoint':<10} {'variant':<34} {'file MB':>8} {'time s (best)':>14} {'extra peak MB':>14}")
        for kind, path in paths.items():
            size = path.stat().st_size / 2**20
            for variant in ("torch.load", "weights_compat.load_into"):
                runs = [json.loads(subprocess.run([sys.executable, __file__, "--one", kind, variant, str(path)],
                                                  capture_output=True, text=True, check=True).stdout) for _ in range(args.repeats)]
                best = min(r["seconds"] for r in runs)
                peak = max(r["extra_peak_mb"] for r in runs)
                label = variant if variant == "torch.load" else f"{variant} -> {runs[0]['table']}"
                print(f"{kind:<10} {label:<34} {size:>8.1f} {best:>14.3f} {peak:>14.1f}")


if __name__ == "__main__":
    main()
