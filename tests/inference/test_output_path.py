"""`synthesize -o`: a bad output path is reported before any model is loaded or anything computed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from GPT_SoVITS import synthesize
from GPT_SoVITS.errors import OutputError
from tests.conftest import REPO_ROOT


def _args(tmp_path, output) -> list[str]:
    # Weights that do not exist: reaching them would fail with another message.
    return ["--gpt", str(tmp_path / "none.ckpt"), "--sovits", str(tmp_path / "none.pth"), "--ref", str(tmp_path / "r.wav"),
            "--ref-text", "Привет.", "--text", "Проверка.", "-o", str(output)]


def test_read_only_folder_is_reported_first_in_one_line(tmp_path, read_only_folder):
    folder, cause = read_only_folder
    output = folder / "out.wav"
    done = subprocess.run([sys.executable, "-m", "GPT_SoVITS.synthesize", *_args(tmp_path, output)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: {output}: cannot write it: {cause}; " + ("choose a writable folder" if cause.startswith("read-only")
                                                          else "choose a folder you may write to, or fix its permissions"))
    assert "none.ckpt" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("case", ["folder given", "file as parent folder"])
def test_unusable_output_paths_fail_before_loading(tmp_path, case):
    (tmp_path / "plain").write_text("not a folder")
    output = tmp_path if case == "folder given" else tmp_path / "plain" / "out.wav"
    with pytest.raises(OutputError, match="is a folder; give a file name" if case == "folder given" else "plain/out.wav: cannot create its folder: .*plain is a file"):
        synthesize.run(synthesize.build_parser().parse_args(_args(tmp_path, output)))


def test_missing_output_folder_is_created_before_loading(tmp_path):
    output = tmp_path / "new" / "out.wav"
    with pytest.raises(Exception, match="none.ckpt"):  # the output was fine: the missing weights come next
        synthesize.run(synthesize.build_parser().parse_args(_args(tmp_path, output)))
    assert output.parent.is_dir() and list(output.parent.iterdir()) == []
