"""The frontend's optional libraries are built once, even when threads ask together, and a
missing one is reported once and then answered with None."""

from __future__ import annotations

import logging
import threading
import time
import uuid

from GPT_SoVITS.text.russian.optional_library import build_once


def test_threads_asking_together_share_one_build():
    name, builds, results = f"lib-{uuid.uuid4()}", [], []

    def build():
        builds.append(1)
        time.sleep(0.05)  # long enough for the other threads to arrive while it runs
        return object()

    threads = [threading.Thread(target=lambda: results.append(build_once(name, build, "-"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(results) == 8 and all(result is results[0] for result in results)


def test_a_missing_library_warns_once_and_answers_none(caplog):
    name, calls = f"lib-{uuid.uuid4()}", []

    def build():
        calls.append(1)
        raise ImportError("No module named 'absent'")

    with caplog.at_level(logging.WARNING, logger="GPT_SoVITS.text.russian.optional_library"):
        assert build_once(name, build, "numbers will not be expanded") is None
        assert build_once(name, build, "numbers will not be expanded") is None
    assert calls == [1]
    assert [record.getMessage() for record in caplog.records] == [
        f"{name} is not installed: numbers will not be expanded"]
