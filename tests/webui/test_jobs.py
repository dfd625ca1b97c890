"""The subprocess job runner: start, stream output, exit codes, stop of a whole process group."""

import os
import sys
import threading
import time

import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui.jobs import Job, JobSlots, ProcessSpec, SlotBusyError, StopRequestedError


def python_spec(tmp_path, code, label="", **env):
    return ProcessSpec((sys.executable, "-u", "-c", code), {**os.environ, **env}, tmp_path, label)


def test_job_streams_lines_including_carriage_returns_and_exit_code(tmp_path):
    code = "import sys; print('first'); sys.stdout.write('10%\\r50%\\r100%\\n'); print('é-ok'); sys.exit(3)"
    job = Job.start("demo", [python_spec(tmp_path, code, "part 0")])
    assert job.wait(timeout=30)
    assert job.tail() == ["[part 0] first", "[part 0] 10%", "[part 0] 50%", "[part 0] 100%", "[part 0] é-ok"]
    assert job.return_codes == [3] and not job.succeeded and not job.running


def test_job_passes_environment_and_working_folder(tmp_path):
    code = "import os; print(os.environ['i_part'], os.getcwd())"
    job = Job.start("env", [python_spec(tmp_path, code, i_part="1")])
    job.wait(timeout=30)
    assert job.tail() == [f"1 {tmp_path}"]
    assert job.succeeded


def test_poll_until_done_yields_while_running_then_once(tmp_path):
    job = Job.start("sleep", [python_spec(tmp_path, "import time; print('a'); time.sleep(1.0); print('b')")])
    polls = [job.tail() for _ in job.poll_until_done(interval=0.1)]
    assert len(polls) >= 3
    assert polls[-1] == ["a", "b"]


def test_stop_terminates_the_process_group_including_grandchildren(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    job = Job.start("tree", [python_spec(tmp_path, code)])
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    started = time.monotonic()
    job.stop()
    assert time.monotonic() - started < 10
    assert not job.running and job.stopped and not job.succeeded
    for _ in range(100):  # the grandchild got SIGTERM too (it is re-parented, then reaped by init)
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if _is_zombie(grandchild):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"grandchild {grandchild} still alive after stop")


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_slots_refuse_a_second_job_and_remember_stop_requests(tmp_path):
    slots = JobSlots()
    with slots.claim("dataset", "one click"):
        job = slots.start("dataset", "long", [python_spec(tmp_path, "import time; time.sleep(30)")])
        with pytest.raises(SlotBusyError, match=r"a job is running \(long\); stop it first"):
            slots.start("dataset", "other", [python_spec(tmp_path, "pass")])
        with pytest.raises(SlotBusyError, match="stop it first"):
            with slots.claim("dataset"):
                pytest.fail("a second run was let in")
        assert slots.stop("dataset") is True
        assert job.stopped and not job.running
        assert slots.stop("dataset") is True  # nothing runs, but the claimed run is told to stop
        with pytest.raises(StopRequestedError, match="next stage: not started, stop was requested"):
            slots.start("dataset", "next stage", [python_spec(tmp_path, "pass")])
    assert slots.stop("dataset") is False and not slots.busy("dataset")
    with slots.claim("dataset"):  # a new run clears the request
        second = slots.start("dataset", "next stage", [python_spec(tmp_path, "print('ran')")])
        second.wait(timeout=30)
    assert second.succeeded and second.tail() == ["ran"]


def test_a_claimed_slot_refuses_a_start_between_two_steps(tmp_path):
    """The one-click run holds its slot between stages, when no process runs: a second click is refused."""
    slots = JobSlots()
    with slots.claim("dataset", "one click"):
        first = slots.start("dataset", "stage 1", [python_spec(tmp_path, "pass")])
        first.wait(timeout=30)
        assert not first.running and slots.busy("dataset")
        with pytest.raises(SlotBusyError, match=r"\(one click\)"):
            with slots.claim("dataset"):
                pytest.fail("a second run was let in between two stages")
    assert not slots.busy("dataset")
    with slots.claim("sovits"):  # other slots are independent
        assert slots.busy("sovits") and not slots.busy("gpt")


def test_two_clicks_at_once_start_one_run(tmp_path):
    slots, outcomes, barrier = JobSlots(), [], threading.Barrier(2)

    def click():
        barrier.wait()
        try:
            with slots.claim("gpt"):
                job = slots.start("gpt", "train", [python_spec(tmp_path, "import time; time.sleep(1)")])
                outcomes.append("ran")
                job.wait(timeout=30)
        except SlotBusyError:
            outcomes.append("refused")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ran", "refused"]


def test_a_command_that_cannot_start_is_a_config_error(tmp_path):
    spec = ProcessSpec((str(tmp_path / "no-such-program"),), dict(os.environ), tmp_path)
    with pytest.raises(ConfigError, match="could not start"):
        Job.start("broken", [spec])
