"""The shared single-process / torchrun runtime of both trainers."""

from __future__ import annotations

import torch

from GPT_SoVITS import distributed


def test_single_process_runtime_without_torchrun(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    runtime = distributed.start_runtime()
    assert (runtime.rank, runtime.world_size, runtime.is_main, runtime.distributed) == (0, 1, True, False)
    assert runtime.device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert distributed.under_torchrun() is False
    distributed.barrier(runtime)  # no process group: both are no-ops
    distributed.shutdown(runtime)


def test_relaunch_runs_the_script_under_torchrun_and_returns_its_exit_code(tmp_path, monkeypatch):
    script = tmp_path / "worker.py"
    script.write_text(
        "import os, sys, time\n"
        "open(os.path.join(sys.argv[1], 'rank' + os.environ['RANK']), 'w').write(os.environ['WORLD_SIZE'])\n"
        "# rank 0 fails only after rank 1 has written: torchrun stops the other workers once one fails\n"
        "deadline = time.monotonic() + 60\n"
        "while os.environ['RANK'] == '0' and not os.path.exists(os.path.join(sys.argv[1], 'rank1')) and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "sys.exit(3 if os.environ['RANK'] == '0' else 0)\n"
    )
    code = distributed.relaunch_under_torchrun(script, [str(tmp_path)], 2)
    assert code != 0  # a failing worker fails the launch
    assert sorted(p.name for p in tmp_path.glob("rank*")) == ["rank0", "rank1"]
    assert (tmp_path / "rank1").read_text() == "2"
