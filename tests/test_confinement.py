"""The one confinement rule: inside the allowed folders after resolving, one message either way."""

from __future__ import annotations

import pytest

from GPT_SoVITS.confinement import AllowedFolders, PathRefusedError


def test_paths_inside_are_resolved_and_relative_paths_start_at_the_first_root(tmp_path):
    root = tmp_path / "root"
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "a.list").write_text("x")
    allowed = AllowedFolders.of([root])
    assert allowed.resolve(root / "logs" / "a.list") == (root / "logs" / "a.list").resolve()
    assert allowed.resolve("logs/a.list") == (root / "logs" / "a.list").resolve()
    assert allowed.resolve("logs/not-yet.list") == (root / "logs" / "not-yet.list").resolve()


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.txt", "logs/../../outside.txt", "", "   ", "a\x00b"])
def test_paths_outside_or_empty_are_refused(tmp_path, name):
    root = tmp_path / "root"
    (root / "logs").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("secret")
    with pytest.raises(PathRefusedError) as error:
        AllowedFolders.of([root], "the UI's folders").resolve(name, what="list file")
    assert "secret" not in str(error.value)
    assert "the UI's folders" in str(error.value)


def test_a_symlink_out_of_the_root_is_refused_and_the_message_does_not_say_whether_it_exists(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "to-file.txt").symlink_to(tmp_path / "secret.txt")
    (root / "to-none.txt").symlink_to(tmp_path / "missing.txt")
    allowed = AllowedFolders.of([root])
    with pytest.raises(PathRefusedError) as existing:
        allowed.resolve("to-file.txt")
    with pytest.raises(PathRefusedError) as missing:
        allowed.resolve("to-none.txt")
    assert str(existing.value).replace("to-file", "X") == str(missing.value).replace("to-none", "X")


def test_a_sibling_folder_with_a_common_prefix_is_not_inside(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs-evil").mkdir()
    with pytest.raises(PathRefusedError):
        AllowedFolders.of([tmp_path / "logs"]).resolve(tmp_path / "logs-evil" / "x.wav")


def test_several_roots(tmp_path):
    allowed = AllowedFolders.of([tmp_path / "a", tmp_path / "b"])
    assert allowed.resolve(tmp_path / "b" / "x.wav") == (tmp_path / "b" / "x.wav").resolve()
    assert allowed.contains((tmp_path / "a").resolve())
