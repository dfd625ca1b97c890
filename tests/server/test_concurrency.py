"""Concurrency on the model pool: 8 requests on two weight pairs at once, the bounded queue (503),
and a client that hangs up mid-stream stopping its work."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server.harness import Server, make_project

pytestmark = pytest.mark.slow

TEXTS = ["Привет! Как дела?", "Сегодня хорошая погода.", "Мы идём гулять в парк.", "Завтра будет дождь."]
LONG = " ".join(f"Это предложение номер {n}." for n in range(1, 41))


def request(voice: str, text: str) -> dict:
    return {"voice": voice, "text": text, "top_k": 1, "seed": 0}


def synthesize(server, values) -> httpx.Response:
    return httpx.post(f"{server.url}/tts", json=values, timeout=300)


def test_eight_concurrent_requests_on_two_pairs_equal_each_alone(server):
    jobs = [request(voice, text) for voice in ("anna", "boris") for text in TEXTS]
    alone = [synthesize(server, job).content for job in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda job: synthesize(server, job), jobs))
    assert [r.status_code for r in together] == [200] * 8
    assert [r.content for r in together] == alone
    assert alone[0] != alone[4]  # two pairs really answered


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """One worker and no waiting room: a second request while one runs is refused at once."""
    project = make_project(tmp_path_factory.mktemp("busy_project"), workers=1, queue_size=0, retry_after_seconds=7)
    running = Server(project.config, tmp_path_factory.mktemp("busy_log") / "server.log")
    try:
        yield running.wait_ready()
    finally:
        running.stop()


def test_full_queue_is_503_with_retry_after_and_a_hang_up_stops_the_work(small_server):
    server = small_server
    with httpx.stream("POST", f"{server.url}/tts", json={**request("anna", LONG), "streaming_mode": 1},
                      timeout=300) as response:
        assert response.status_code == 200
        chunks = response.iter_raw()  # kept: a dropped iterator closes the connection
        assert next(chunks).startswith(b"RIFF")
        busy = synthesize(server, request("anna", TEXTS[0]))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "7"
        assert "the server is busy" in busy.json()["message"]
    # the client hung up after one chunk of 40: the server stops synthesising and frees its worker
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "client disconnected" not in server.log_text():
        time.sleep(0.2)
    stopped = re.search(r"client disconnected after (\d+) chunks; synthesis stopped", server.log_text())
    assert stopped and int(stopped.group(1)) < 40, server.log_text()[-2000:]
    assert synthesize(server, request("anna", TEXTS[0])).status_code == 200
