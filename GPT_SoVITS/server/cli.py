"""Starting the server as upstream's api_v2.py: `-a` address, `-p` port, `-c` tts_infer.yaml.

Before serving it reads the config, checks that every file it names is there (else it prints
which files go where and exits 1), loads the default weights pair, and binds the port itself
(a port in use is one line, exit 1). It binds 127.0.0.1 unless told otherwise and warns when
told otherwise. `/control?command=restart` stops the server and re-executes this command.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import errno
import ipaddress
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Sequence

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.server.config import API_KEY_ENV, ServerConfig, read_server_config
from GPT_SoVITS.versions import pro_text

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "GPT_SoVITS/configs/tts_infer.yaml"
WARM_UP_TEXTS = {"ru": "Привет, как дела?", "en": "Hello, how are you?"}
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python api_v2.py",
        description="HTTP API for synthesis: upstream's api_v2 routes (/tts, /set_gpt_weights, ...) and an "
                    "OpenAI-compatible /v1/audio/speech. See docs/api.md.")
    parser.add_argument("-a", "--bind_addr", default="127.0.0.1",
                        help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 serves the "
                             f"network: set server.api_key or {API_KEY_ENV} then)")
    parser.add_argument("-p", "--port", type=int, default=9880, help="port (default: %(default)s)")
    parser.add_argument("-c", "--tts_config", default=DEFAULT_CONFIG, help="config (default: %(default)s)")
    return parser


def missing_files(config: ServerConfig) -> list[str]:
    """One line per file the config names that is not there: the key, what it is, the path."""
    from GPT_SoVITS.pretrained import pretrained_path
    from GPT_SoVITS.versions import is_pro_version

    weights = config.weights
    wanted = [
        ("custom.t2s_weights_path", "GPT weights (.ckpt: GPT_weights_<version>/ after fine-tuning)", weights.t2s_weights_path),
        ("custom.vits_weights_path", "SoVITS weights (.pth: SoVITS_weights_<version>/)", weights.vits_weights_path),
        ("custom.cnhuhbert_base_path", "chinese-hubert-base folder (config.json + weights)",
         weights.cnhuhbert_base_path / "config.json"),
    ]
    if is_pro_version(weights.version):
        wanted.append(("custom.sv_path", f"speaker encoder of the {pro_text()} versions", weights.sv_path or pretrained_path("sv")))
    for voice in config.voices.values():
        key = f"voices.{voice.name}"
        wanted.append((f"{key}.ref_audio_path", "reference clip", voice.ref_audio_path))
        wanted += [(f"{key}.aux_ref_audio_paths", "reference clip", path) for path in voice.aux_ref_audio_paths]
        wanted += [(f"{key}.{name}", "weights", path) for name, path in
                   (("t2s_weights_path", voice.t2s_weights_path), ("vits_weights_path", voice.vits_weights_path)) if path]
    return [f"  {key}: {what}: {path}" for key, what, path in wanted if not Path(path).exists()]


def missing_message(config: ServerConfig, lines: list[str]) -> str:
    return "\n".join([
        f"error: the server cannot start: files named in {config.path} are missing:", *lines,
        "Put them there, or point the keys at your files (exported weights are in GPT_weights_<version>/ and "
        "SoVITS_weights_<version>/); the pretrained ones are fetched with `python tools/download_pretrained.py` "
        "(see README.md).",
    ])


def open_socket(host: str, port: int) -> socket.socket:
    """The listening socket, or `OSError` (EADDRINUSE when the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock


def warm_up_frontends() -> None:
    """Run each text frontend once (dictionaries, the stress model: tens of seconds on a small CPU),
    so that the first client does not wait for it."""
    from GPT_SoVITS.text.cleaner import clean_text
    from GPT_SoVITS.text.languages import supported_codes

    start = time.perf_counter()
    for code in supported_codes():
        if code in WARM_UP_TEXTS:
            clean_text(WARM_UP_TEXTS[code], code)
    logger.info("text frontends ready in %.1f s", time.perf_counter() - start)


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Limit glibc to `arenas` malloc arenas; True when the limit was set here.

    glibc gives each new thread that allocates an arena of its own (up to 8 per core) and keeps
    the memory freed into it. The synthesis threads, uvicorn's loop and PyTorch's helpers each got
    one, and the server's memory rose in 40-60 MiB steps whenever another thread first worked
    (docs/benchmarks.md, "HTTP server under load"); with 2 arenas it stayed flat. A limit the
    user set in MALLOC_ARENA_MAX is glibc's own and is left alone, as is any other C library.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        logger.info("malloc arenas: MALLOC_ARENA_MAX=%s from the environment", os.environ["MALLOC_ARENA_MAX"])
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to cap
        return False
    if mallopt(M_ARENA_MAX, arenas) != 1:
        return False
    logger.info("malloc arenas capped at %d (set MALLOC_ARENA_MAX to choose another number)", arenas)
    return True


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(config: ServerConfig, host: str, port: int) -> int:
    """Run until `/control` or a signal stops it; returns the exit code (re-executes on restart)."""
    import uvicorn

    from GPT_SoVITS.server.app import create_app
    from GPT_SoVITS.server.synthesis import SpeechService

    try:
        sock = open_socket(host, port)
    except OSError as error:
        reason = "is in use (another server is running there?); choose another with -p" \
            if error.errno == errno.EADDRINUSE else f"cannot be opened ({error.strerror})"
        print(f"error: port {port} on {host} {reason}", file=sys.stderr)
        return 1
    cap_malloc_arenas()  # before the models and threads allocate; after the port, whose error stays one line
    service = SpeechService(config)
    service.pool.get(*service.default_pair)  # load now: a wrong file is found before clients are told to come
    warm_up_frontends()
    state = {"restart": False}
    server: uvicorn.Server | None = None

    def control(command: str) -> None:
        state["restart"] = command == "restart"
        logger.info("/control: %s", command)
        server.should_exit = True

    app = create_app(config, service=service, control=control)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", timeout_graceful_shutdown=5))
    logger.info("serving on http://%s:%d (docs at /docs)", host, port)
    server.run(sockets=[sock])
    if state["restart"]:
        logger.info("restarting: %s", " ".join([sys.executable, *sys.argv]))
        os.execv(sys.executable, [sys.executable, *sys.argv])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.logging_setup import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        config = read_server_config(args.tts_config)
        if not is_loopback(args.bind_addr):
            logger.warning("listening on %s: other machines can reach this server%s", args.bind_addr,
                           "" if config.server.api_key else
                           f"; set server.api_key in the config or {API_KEY_ENV} so that they need a key")
        lines = missing_files(config)
        if lines:
            print(missing_message(config, lines), file=sys.stderr)
            return 1
        return serve(config, args.bind_addr, args.port)
    except GptSovitsError as error:
        print("error: " + " ".join(line.strip() for line in str(error).splitlines()), file=sys.stderr)
        return 1
