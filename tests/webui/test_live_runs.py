"""Runs that outlive their page: each follower gets the latest outputs, then only what changed."""

import threading

from GPT_SoVITS.webui.live_runs import LiveRun, LiveRuns

SKIP = {"__type__": "update"}  # what gr.skip() returns


def test_a_late_follower_gets_the_latest_of_every_output_then_only_changes():
    run = LiveRun(3, SKIP)
    run.publish(("running 1", [1, 2], "sample-a"))
    run.publish(("running 2", SKIP, SKIP))  # the plot and the sample did not change
    early = run.follow(poll_seconds=0.05)
    assert next(early) == ("running 2", [1, 2], "sample-a")
    run.publish(("running 3", [1, 2, 3], SKIP))
    assert next(early) == ("running 3", [1, 2, 3], SKIP)
    late = run.follow(poll_seconds=0.05)
    assert next(late) == ("running 3", [1, 2, 3], "sample-a")  # everything, not only the last frame
    run.publish(("done", SKIP, "sample-b"))
    run.finish()
    assert list(early) == [("done", SKIP, "sample-b")]
    assert list(late) == [("done", SKIP, "sample-b")]
    assert list(run.follow()) == [("done", [1, 2, 3], "sample-b")]  # after the end: the final state once


def test_one_output_runs_publish_bare_values_and_a_follower_waits_for_them():
    run, runs = LiveRun(1, SKIP), LiveRuns()
    release = threading.Event()

    def drive(live):
        live.publish("step 1")
        release.wait(10)
        live.publish("step 2")

    thread = runs.start("dataset", run, drive)
    runs.show("dataset", run)
    follower = run.follow(poll_seconds=0.05)
    assert next(follower) == "step 1" and runs.running("dataset") is run
    release.set()
    assert list(follower) == ["step 2"]
    thread.join(10)
    assert run.finished and runs.running("dataset") is None and runs.running("other") is None


def test_a_defect_in_the_run_is_logged_and_still_ends_it(caplog):
    run, runs = LiveRun(1, SKIP), LiveRuns()

    def drive(live):
        live.publish("started")
        raise RuntimeError("a bug")

    runs.start("asr", run, drive).join(10)
    assert run.finished and list(run.follow()) == ["started"]
    assert "the asr run failed" in caplog.text and "RuntimeError: a bug" in caplog.text
