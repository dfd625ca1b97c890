"""Input checks of the web UI: experiment names, paths, GPU strings, numbers."""

import pytest

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui import checks


@pytest.mark.parametrize("name", ["voice", "my-voice_2.v1", "голос_1", "A"])
def test_exp_name_accepts_letters_digits_dash_underscore_dot(name):
    assert checks.check_exp_name(f"  {name} ") == name


@pytest.mark.parametrize("name,shown", [("../x", "'/'"), ("a b", "' '"), ("x;rm", "';'"), ("a/b", "'/'")])
def test_exp_name_rejects_path_and_shell_characters(name, shown):
    with pytest.raises(ConfigError, match="not allowed") as error:
        checks.check_exp_name(name)
    assert shown in str(error.value)


@pytest.mark.parametrize("name", ["", "   ", ".", ".."])
def test_exp_name_rejects_empty_and_dots(name):
    with pytest.raises(ConfigError, match="experiment name"):
        checks.check_exp_name(name)


def test_check_file_resolves_relative_to_root_and_strips_quotes(tmp_path):
    (tmp_path / "data.list").write_text("x")
    assert checks.check_file(' "data.list" ', ".list file", tmp_path) == tmp_path / "data.list"
    with pytest.raises(ConfigError, match=r"\.list file '.*data\.list' is refused: only paths inside the UI's folders"):
        checks.check_file(str(tmp_path / "data.list"), ".list file", tmp_path / "elsewhere")


def test_check_file_messages_name_the_field_and_path(tmp_path):
    with pytest.raises(ConfigError, match=r"\.list file: file .*missing.list not found"):
        checks.check_file("missing.list", ".list file", tmp_path)
    with pytest.raises(ConfigError, match=r"\.list file: .* is a folder, expected a file"):
        checks.check_file(str(tmp_path), ".list file", tmp_path)
    with pytest.raises(ConfigError, match=r"\.list file: no path given"):
        checks.check_file("  ", ".list file", tmp_path)


def test_check_dir_and_optional_variants(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    assert checks.check_optional_dir("", "audio folder", tmp_path) is None
    assert checks.check_optional_file(" ", "pretrained s1", tmp_path) is None
    assert checks.check_dir(".", "audio folder", tmp_path) == tmp_path
    with pytest.raises(ConfigError, match="audio folder: .*f.txt is a file, expected a folder"):
        checks.check_dir("f.txt", "audio folder", tmp_path)
    with pytest.raises(ConfigError, match="audio folder: folder .*nope not found"):
        checks.check_optional_dir("nope", "audio folder", tmp_path)


@pytest.mark.parametrize("text,expected", [("0-1", ["0", "1"]), ("0-0", ["0", "0"]), ("2", ["2"]),
                                           (" 0, 1 ", ["0", "1"]), ("", []), (None, [])])
def test_parse_gpu_numbers(text, expected):
    assert checks.parse_gpu_numbers(text) == expected


@pytest.mark.parametrize("text", ["a", "0-", "0--1", "1-x", "0;1"])
def test_parse_gpu_numbers_rejects_garbage(text):
    with pytest.raises(ConfigError, match="GPU numbers"):
        checks.parse_gpu_numbers(text)


def test_check_positive_int():
    assert checks.check_positive_int(3.0, "epochs") == 3
    for bad in (0, -1, 2.5, None):
        with pytest.raises(ConfigError, match="epochs: expected a whole number >= 1"):
            checks.check_positive_int(bad, "epochs")


def test_a_text_file_typed_as_weights_is_not_shown(tmp_path):
    """The status says the file is not a checkpoint; none of its content reaches the page."""
    from GPT_SoVITS.webui.app import Callbacks
    from GPT_SoVITS.webui.settings import parse_settings
    from GPT_SoVITS.webui.synthesis import SynthesisForm

    secret = tmp_path / "secrets.txt"
    secret.write_text("root:hunter2-s3cr3t:0:0\n")
    (tmp_path / "hubert").mkdir()
    (tmp_path / "ref.wav").write_bytes(b"RIFF")
    callbacks = Callbacks(parse_settings(["--root", str(tmp_path)], {}), cuda=False)
    form = SynthesisForm(str(secret), str(secret), "hubert", "ref.wav", "Текст.", "ru", "Привет.", "ru", 15, 1.0, 1.0,
                         1.35, 1.0, 1)
    audio, status = callbacks.synthesize(*vars(form).values())
    assert audio is None and status == (f"error: {secret}: not a checkpoint (not a PyTorch or safetensors checkpoint "
                                        "file); was the right file given?")


def test_a_fifo_typed_as_a_file_is_named_as_such(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.list")
    with pytest.raises(ConfigError, match=r"^\.list file: .*pipe\.list is a FIFO \(named pipe\), expected a file$"):
        checks.check_file("pipe.list", ".list file", tmp_path)
