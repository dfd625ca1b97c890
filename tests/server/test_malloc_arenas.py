"""The server caps glibc's malloc arenas so that its memory does not step up as threads start.

Each probe runs in a fresh interpreter: 8 threads stay alive while each has made one `malloc`,
and glibc's own `malloc_info` report counts the arenas ("heaps") that exist then.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
                                reason="malloc arenas are glibc's")

PROBE = textwrap.dedent("""
    import ctypes, ctypes.util, re, sys, tempfile, threading
    from GPT_SoVITS.server.cli import cap_malloc_arenas
    capped = cap_malloc_arenas() if sys.argv[1] == "cap" else None
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    barrier = threading.Barrier(9)
    def allocate():
        libc.malloc(4000)
        barrier.wait()
        barrier.wait()
    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    barrier.wait()
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        heaps = len(re.findall(r'<heap nr="[0-9]+"', report.read().decode()))
    barrier.wait()
    for thread in threads:
        thread.join()
    print(capped, heaps)
""")


def probe(mode: str, **env: str) -> tuple[str, int]:
    environment = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"} | env
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120, check=True)
    capped, heaps = done.stdout.split()
    return capped, int(heaps)


def test_without_the_cap_each_thread_gets_an_arena():
    _, heaps = probe("none")
    assert heaps >= 8  # the control: 8 allocating threads, 8 arenas (plus the main one)


def test_the_cap_holds_the_arenas_at_two():
    assert probe("cap") == ("True", 2)


def test_a_limit_set_in_the_environment_is_left_to_glibc():
    assert probe("cap", MALLOC_ARENA_MAX="3") == ("False", 3)
