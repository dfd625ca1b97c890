"""Load benchmark of the HTTP server: N concurrent clients for a bounded time on loopback.

Seeded full-size v2ProPlus weights (bench/synthesis_batch.py's files, plus a seeded speaker
encoder saved as upstream's file) are written to a temporary folder with a tts_infer.yaml, and
the server is started as docs/api.md says (`python api_v2.py -a 127.0.0.1 -p PORT -c CONFIG`,
always on 127.0.0.1). Each client POSTs /tts in streaming mode 1 (one short Russian sentence)
and reads the whole answer: latency is to the last byte, time to first byte (TTFB) to the first
body byte. Random GPT weights rarely emit EOS, so the GPT file's `data.max_sec` caps each piece
at `--tokens` tokens (25 per second of audio). Server memory (VmRSS) is read after the warm-up
and after every variant. The warm-up sends 2 requests per `--warm-up-clients` client; its default,
the server's 2 workers, has every synthesis thread work before memory is first read, so that a
thread's one-time state (its OpenMP team, buffers) is not counted as growth.

    python bench/api_load.py [--clients 1,2,4] [--seconds 120] [--max-requests 200] [--tokens 50]
                             [--size full|tiny] [--threads 2] [--warm-up-clients 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run by path: import GPT_SoVITS and bench from the repository root
    sys.path.insert(0, str(REPO_ROOT))

TEXT = "Сегодня хорошая погода, и мы идём гулять в парк."
HOST = "127.0.0.1"  # loopback only: this benchmark never serves the network


def build_project(folder: Path, size: str, tokens: int, threads: int) -> Path:
    """Weights, speaker encoder, reference and tts_infer.yaml in `folder`; returns the config path."""
    import torch
    import yaml

    from bench.sv_embed import seeded_encoder
    from bench.synthesis_batch import REF_TEXT, build_files

    files = build_files(folder, size)
    checkpoint = torch.load(files.gpt, map_location="cpu", weights_only=True)
    checkpoint["config"]["data"]["max_sec"] = tokens / 25  # pieces of random weights stop here
    torch.save(checkpoint, files.gpt)
    sv_path = folder / "sv.ckpt"
    encoder = seeded_encoder("cpu", torch.float32)
    torch.save({key: value.half() if value.is_floating_point() else value
                for key, value in encoder.state_dict().items()}, sv_path)
    config = {
        "custom": {"t2s_weights_path": str(files.gpt), "vits_weights_path": str(files.sovits),
                   "cnhuhbert_base_path": str(files.hubert), "sv_path": str(sv_path), "device": "cpu",
                   "is_half": False, "version": "v2ProPlus"},
        "voices": {"bench": {"ref_audio_path": str(files.reference), "prompt_text": REF_TEXT, "prompt_lang": "ru",
                             "top_k": 1, "seed": 0, "text_lang": "ru"}},
        "server": {"allowed_folders": [str(folder)], "workers": min(threads, 2), "queue_size": 8},
    }
    path = folder / "tts_infer.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_request(client, url: str) -> tuple[int, float, float]:
    """(status, seconds to the first body byte, seconds to the last); status 0 when the transport failed."""
    import httpx

    start = time.perf_counter()
    first = None
    try:
        with client.stream("POST", f"{url}/tts", json={"voice": "bench", "text": TEXT, "streaming_mode": 1}) as response:
            for chunk in response.iter_raw():
                if first is None and chunk:
                    first = time.perf_counter() - start
    except httpx.TransportError:  # a timeout or a dropped connection is an error of this run, not a crash
        return 0, float("nan"), time.perf_counter() - start
    return response.status_code, first or float("nan"), time.perf_counter() - start


def run_variant(url: str, clients: int, seconds: float, max_requests: int) -> dict:
    import httpx

    results: list[tuple[int, float, float]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client_loop() -> None:
        with httpx.Client(timeout=600) as client:
            while time.perf_counter() < deadline:
                with lock:
                    if len(results) + in_flight[0] >= max_requests:
                        return
                    in_flight[0] += 1
                outcome = one_request(client, url)
                with lock:
                    in_flight[0] -= 1
                    results.append(outcome)

    in_flight = [0]
    start = time.perf_counter()
    workers = [threading.Thread(target=client_loop) for _ in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    ok = [r for r in results if r[0] == 200]
    quantile = lambda values, q: statistics.quantiles(values, n=20)[q] if len(values) >= 2 else values[0]  # noqa: E731
    return {"clients": clients, "requests": len(results), "errors": len(results) - len(ok), "wall": wall,
            "per_min": 60 * len(ok) / wall, "p50": statistics.median(r[2] for r in ok),
            "p95": quantile([r[2] for r in ok], 18), "ttfb50": statistics.median(r[1] for r in ok),
            "ttfb95": quantile([r[1] for r in ok], 18)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,2,4", help="concurrent clients per variant (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=120, help="time limit per variant (default: %(default)s)")
    parser.add_argument("--max-requests", type=int, default=200, help="request limit per variant (default: %(default)s)")
    parser.add_argument("--tokens", type=int, default=50, help="GPT tokens per piece (default: %(default)s = 2 s)")
    parser.add_argument("--size", choices=("full", "tiny"), default="full")
    parser.add_argument("--threads", type=int, default=2, help="OMP threads of the server (default: %(default)s)")
    parser.add_argument("--warm-up-clients", type=int, default=2,
                        help="concurrent clients of the warm-up, 2 requests each (default: %(default)s, the server's "
                             "workers; 1 = round 5's sequential warm-up)")
    args = parser.parse_args(argv)
    import os

    from tests.server.harness import Server  # the tests' launcher: the documented command, a free port

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = build_project(folder, args.size, args.tokens, args.threads)
        server = Server(config, folder / "server.log", env={"OMP_NUM_THREADS": str(args.threads)})
        try:
            server.wait_ready(timeout=900)
            warm = run_variant(server.url, args.warm_up_clients, 900, 2 * args.warm_up_clients)
            rss = [(f"after warm-up ({warm['requests']} requests, {args.warm_up_clients} client(s))",
                    rss_mib(server.process.pid))]
            rows = []
            for clients in (int(c) for c in args.clients.split(",")):
                rows.append(run_variant(server.url, clients, args.seconds, args.max_requests))
                rss.append((f"after {clients} client(s), {rows[-1]['requests']} requests", rss_mib(server.process.pid)))
        finally:
            server.stop()
    print(f"size {args.size}, v2ProPlus, CPU, {args.threads} threads, {args.tokens} tokens per piece, text "
          f"{len(TEXT)} chars, streaming mode 1, warm-up latency {warm['p50']:.2f} s; os.cpu_count() {os.cpu_count()}")
    print("| clients | requests | errors | req/min | latency p50 | latency p95 | TTFB p50 | TTFB p95 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['clients']} | {row['requests']} | {row['errors']} | {row['per_min']:.1f} | {row['p50']:.2f} s | "
              f"{row['p95']:.2f} s | {row['ttfb50']:.2f} s | {row['ttfb95']:.2f} s |")
    print("| server memory (VmRSS) | MiB |\n|---|---|")
    for label, value in rss:
        print(f"| {label} | {value:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
