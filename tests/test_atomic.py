"""The atomic writer on real faults: a full disk, a read-only folder; and the files' permissions."""

from __future__ import annotations

import logging
import os
import stat

import pytest
import torch

from GPT_SoVITS import atomic
from GPT_SoVITS.atomic import atomic_output, check_writable, torch_save_atomic, write_atomic, write_text_atomic
from GPT_SoVITS.errors import GptSovitsError, OutputError
from tests.lock_fixtures import hold_lock


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test; restored afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)

    def set_umask(value: int) -> None:
        os.umask(value)

    yield set_umask
    os.umask(previous)


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_get_the_umask_permissions_not_0600(tmp_path, umask, mask, expected):
    umask(mask)
    write_text_atomic(tmp_path / "a.txt", "x")
    torch_save_atomic({"w": torch.zeros(2)}, tmp_path / "b.pt")
    with atomic_output(tmp_path / "c.wav") as tmp:
        tmp.write_bytes(b"RIFF")
    assert [_mode(tmp_path / name) for name in ("a.txt", "b.pt", "c.wav")] == [expected] * 3


def test_full_disk_is_one_error_naming_path_and_cause_and_keeps_the_old_file(small_disk):
    disk = small_disk(64 * 1024)
    out = disk.path / "6-name2semantic.tsv"
    write_text_atomic(out, "previous good content")
    disk.fill()
    with pytest.raises(OutputError) as error:
        write_text_atomic(out, "x" * 100_000)
    message = str(error.value)
    assert message.startswith(f"{out}: cannot write it: no space left on device; free some space")
    assert "\n" not in message and isinstance(error.value, GptSovitsError)
    assert out.read_text() == "previous good content"
    assert sorted(p.name for p in disk.path.iterdir()) == ["6-name2semantic.tsv", "filler.bin"]  # no temp left


def test_full_disk_during_torch_save_names_the_cause_not_the_zip_writer(small_disk):
    disk = small_disk(64 * 1024)
    out = disk.path / "G.pth"
    with pytest.raises(OutputError, match="no space left on device"):
        torch_save_atomic({"w": torch.randn(100_000)}, out)  # 400 kB on a 64 kB disk
    assert list(disk.path.iterdir()) == []


def test_full_disk_is_retried_once_after_removing_the_partial_file(small_disk, caplog):
    disk = small_disk(64 * 1024)
    filler = disk.fill()
    out = disk.path / "state.pt"
    attempts = []

    def write(handle):
        attempts.append(sorted(p.name for p in disk.path.iterdir()))
        if len(attempts) == 2:
            filler.unlink()  # space freed meanwhile (by the user or another process)
        handle.write(b"y" * 20_000)

    with caplog.at_level(logging.WARNING, logger="GPT_SoVITS.atomic"):
        write_atomic(out, write)
    assert out.read_bytes() == b"y" * 20_000
    assert len(attempts) == 2 and len(attempts[1]) == 2  # retry: the filler and its own new temp only
    assert "no space left on device; free some space, then run again; removed the partial file" in caplog.text


def test_second_full_disk_failure_raises(small_disk):
    disk = small_disk(64 * 1024)
    disk.fill()
    attempts = []

    def write(handle):
        attempts.append(1)
        handle.write(b"z" * 100_000)

    with pytest.raises(OutputError, match="no space left on device"):
        write_atomic(disk.path / "x.bin", write)
    assert len(attempts) == 2 and sorted(p.name for p in disk.path.iterdir()) == ["filler.bin"]


def test_stand_in_disk_where_mounting_is_not_allowed(small_disk, monkeypatch):
    """The fallback of `small_disk` (no mount rights) fails writes like a full disk does."""
    monkeypatch.setattr("tests.conftest.mount_tmpfs", lambda path, size: False)
    disk = small_disk(64 * 1024)
    assert not disk.real
    write_text_atomic(disk.path / "a.txt", "fits")
    disk.fill()
    with pytest.raises(OutputError, match="a.txt: cannot write it: no space left on device"):
        torch_save_atomic({"w": torch.zeros(10)}, disk.path / "a.txt")
    assert (disk.path / "a.txt").read_text() == "fits"


def test_read_only_folder_is_one_error_naming_the_cause(read_only_folder):
    folder, cause = read_only_folder
    with pytest.raises(OutputError) as error:
        write_text_atomic(folder / "out.txt", "x")
    assert str(error.value).startswith(f"{folder / 'out.txt'}: cannot write it: {cause}; ")
    with pytest.raises(OutputError, match=f"sub/out.wav: cannot create its folder {folder / 'sub'}: {cause}"):
        check_writable(folder / "sub" / "out.wav")  # the missing subfolder cannot be made either


def test_check_writable_creates_the_folder_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "new" / "deeper" / "out.wav"
    assert check_writable(out) == out
    assert out.parent.is_dir() and list(out.parent.iterdir()) == []
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=r"file/deeper/out.wav: cannot create its folder: .*/file is a file"):
        check_writable(tmp_path / "file" / "deeper" / "out.wav")  # a file where a folder should be


def test_errors_of_the_writer_itself_are_not_renamed(tmp_path):
    """A writer reading a missing source fails as itself: only the destination's faults are ours."""
    source = tmp_path / "missing.pt"
    with pytest.raises(FileNotFoundError):
        with atomic_output(tmp_path / "copy.pt") as tmp:
            tmp.write_bytes(source.read_bytes())
    assert list(tmp_path.iterdir()) == []


def test_output_error_is_still_an_os_error_for_optional_writes():
    error = atomic.output_error(atomic.Path("/x/cache.spec.pt"), OSError(28, "No space left on device"))
    assert isinstance(error, OSError) and error.errno == 28
    assert str(error) == "/x/cache.spec.pt: cannot write it: no space left on device; free some space, then run again"


def test_failed_rename_is_an_output_error_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "inside").write_text("")  # a non-empty folder where the file should go: rename fails
    with pytest.raises(OutputError, match=f"^{target}: cannot write it: "):
        write_text_atomic(target, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_exclusive_update_waits_for_another_process_and_times_out_with_a_clear_error(tmp_path):
    target = tmp_path / "voice.list"
    target.write_text("a\n", encoding="utf-8")
    holder = hold_lock(target, 1.5, then="b\n")
    with pytest.raises(OutputError, match=r"voice\.list: another program has been changing it for 0\.2 s; close"):
        with atomic.exclusive_update(target, timeout=0.2):
            pass
    with atomic.exclusive_update(target):  # waits for the holder, then sees what it wrote
        assert target.read_text(encoding="utf-8") == "b\n"
    assert holder.wait(30) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voice.list", "voice.list.held"]  # no lock left beside it


def test_exclusive_update_leaves_no_lock_file_beside_the_file_and_one_file_has_one_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("GPT_SOVITS_LOCK_DIR", str(tmp_path / "locks"))
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "voice.list"
    target.write_text("a\n", encoding="utf-8")
    (tmp_path / "alias").symlink_to(tmp_path / "data")
    with atomic.exclusive_update(target):
        write_text_atomic(target, "b\n")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["voice.list"]
    assert atomic.lock_file(tmp_path / "alias" / "voice.list") == atomic.lock_file(target)
    assert [p.parent for p in (tmp_path / "locks").iterdir()] == [tmp_path / "locks"]
