"""Starting the server: missing weights, a config error, a port in use, a public address."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.server.harness import free_port

pytestmark = pytest.mark.slow


def start(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "api_v2.py", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_missing_weights_say_which_files_go_where_and_exit_1(tmp_path):
    config = tmp_path / "tts_infer.yaml"
    config.write_text(yaml.safe_dump({"custom": {
        "t2s_weights_path": str(tmp_path / "GPT_weights_v2/mine-e15.ckpt"),
        "vits_weights_path": str(tmp_path / "SoVITS_weights_v2/mine_e8_s100.pth"),
        "cnhuhbert_base_path": str(tmp_path / "chinese-hubert-base"), "device": "cpu", "is_half": False}}))
    done = start("-a", "0.0.0.0", "-p", str(free_port()), "-c", str(config))
    assert done.returncode == 1
    assert "other machines can reach this server; set server.api_key in the config or GSV_API_KEY" in done.stderr
    assert f"custom.t2s_weights_path: GPT weights (.ckpt: GPT_weights_<version>/ after fine-tuning): " \
           f"{tmp_path}/GPT_weights_v2/mine-e15.ckpt" in done.stderr
    assert "custom.cnhuhbert_base_path: chinese-hubert-base folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_config_error_is_one_line(tmp_path):
    done = start("-c", str(tmp_path / "none.yaml"))
    assert done.returncode == 1 and done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "none.yaml: server config not found" in done.stderr


def test_a_port_in_use_is_one_clear_line(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = start("-a", "127.0.0.1", "-p", str(port), "-c", str(project.config))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use (another server is running there?); choose another with -p"]
