"""The launcher's virtual environment stays out of git, whether `.venv` is a folder or a symlink to one."""

import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_virtual_environment_folder_or_symlink_is_ignored(tmp_path, name):
    if shutil.which("git") is None:
        pytest.fail("git is needed for this test")  # the project is a git checkout; CI has git
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(REPO_ROOT / ".gitignore", repo / ".gitignore")
    elsewhere = tmp_path / "shared-env"
    elsewhere.mkdir()
    (repo / name).symlink_to(elsewhere, target_is_directory=True)
    (repo / "kept.py").write_text("x = 1\n")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    assert sorted(status) == ["?? .gitignore", "?? kept.py"]
    (repo / name).unlink()
    (repo / name / "bin").mkdir(parents=True)
    (repo / name / "bin" / "python").write_text("")
    assert subprocess.run(["git", "check-ignore", "-q", f"{name}/bin/python"], cwd=repo).returncode == 0
