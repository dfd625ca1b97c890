"""Every path field and endpoint of the UI stays inside the UI's folders (root, pretrained models, --allow-dir).

The endpoints are called as Gradio calls them (`app.fns`, the functions behind each event),
with one path field at a time set to a file outside the folders, so a client that skips the
page gets the same refusal, and nothing outside is read, shown or written.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.confinement import PathRefusedError
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.webui import recordings
from GPT_SoVITS.webui.app import build_app
from GPT_SoVITS.webui.settings import parse_settings

SECRET = "root:hunter2-s3cr3t:0:0"

#: Every endpoint that takes a path, keyed "<trigger elem_id>:<event>" ("then:<key>" for a follow-up
#: event), with its path fields. An endpoint added with a path field must be added here (and confined).
PATH_ENDPOINTS = {
    "btn_slice:click": ("slice_input", "slice_output"),
    "then:btn_slice:click": ("slice_output",),
    "btn_asr:click": ("asr_input", "asr_output", "asr_model"),
    "then:btn_asr:click": ("asr_output",),
    "btn_pr_open:click": ("pr_list",),
    "btn_report:click": ("report_list", "report_wav_dir"),
    **{f"{button}:click": ("list_path", "wav_dir", "hubert_dir", "dataset_s2g")
       for button in ("btn_text", "btn_ssl", "btn_semantic", "btn_all")},
    **{f"then:{button}:click": ("list_path", "wav_dir") for button in ("btn_text", "btn_ssl", "btn_semantic", "btn_all")},
    "btn_train_s2:click": ("s2_pretrained_s2g", "s2_pretrained_s2d"),
    "btn_train_s1:click": ("s1_pretrained",),
    "btn_synthesize:click": ("tts_gpt", "tts_sovits", "tts_hubert", "tts_ref_audio"),
}
PATH_FIELDS = {field for fields in PATH_ENDPOINTS.values() for field in fields}


def _wav(path, seconds=1.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), (0.1 * np.sin(np.arange(int(16000 * seconds)) / 5)).astype("float32"), 16000)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A root with a usable file for every path field, and a secret next to it (outside the root)."""
    base = tmp_path_factory.mktemp("confined")
    root, outside = base / "root", base / "outside"
    outside.mkdir()
    (outside / "secret.list").write_text(f"{SECRET}\n", encoding="utf-8")
    _wav(outside / "clip.wav")
    _wav(root / "rec.wav")
    _wav(root / "wavs" / "a.wav")
    (root / "a.list").write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    for name in ("hubert", "logs/ru_voice"):
        (root / name).mkdir(parents=True)
    for name in ("s2g.pth", "s2d.pth", "s1.ckpt", "gpt.ckpt", "sovits.pth"):
        (root / name).write_bytes(b"x")
    (root / "link.list").symlink_to(outside / "secret.list")
    settings = parse_settings(["--root", str(root)], {})
    return base, settings


@pytest.fixture(scope="module")
def app(project):
    app = build_app(project[1], cuda=False)
    yield app
    app.callbacks.slots.stop_all()


VALID = {  # a usable value inside the root for each path field (relative to the root)
    "slice_input": "rec.wav", "slice_output": "out", "asr_input": "wavs", "asr_output": "out.list", "asr_model": "tiny",
    "pr_list": "a.list", "report_list": "a.list", "report_wav_dir": "wavs", "list_path": "a.list", "wav_dir": "wavs",
    "hubert_dir": "hubert", "dataset_s2g": "s2g.pth", "s2_pretrained_s2g": "s2g.pth", "s2_pretrained_s2d": "s2d.pth",
    "s1_pretrained": "s1.ckpt", "tts_gpt": "gpt.ckpt", "tts_sovits": "sovits.pth", "tts_hubert": "hubert",
    "tts_ref_audio": "rec.wav",
}


def _endpoints(app):
    ids = {block._id: getattr(block, "elem_id", None) for block in app.blocks.values()}
    keys = {}
    for index, fn in app.fns.items():
        triggers = [f"{ids.get(target)}:{event}" for target, event in fn.targets if event != "then"]
        keys[index] = triggers[0] if triggers else f"then:{keys.get(fn.trigger_after)}"
    return {keys[index]: (fn, [ids.get(c._id) for c in fn.inputs]) for index, fn in app.fns.items()}


def _flatten(value):
    if isinstance(value, (list, tuple)):
        return [item for part in value for item in _flatten(part)]
    return [value]


def _call(fn, values):
    result = fn.fn(*values)
    if hasattr(result, "__next__"):
        return [item for frame in result for item in _flatten(frame)]
    return _flatten(result)


@pytest.mark.parametrize("hostile", ["{outside}/secret.list", "../outside/secret.list", "link.list",
                                     "{outside}/missing.list", "~/../../../../etc/passwd"])
def test_every_path_field_of_every_endpoint_refuses_a_path_outside_the_folders(project, app, hostile):
    import gradio

    base, settings = project
    endpoints = _endpoints(app)
    with_paths = {key: tuple(field for field in fields if field in PATH_FIELDS)
                  for key, (_, fields) in endpoints.items()}
    assert {key: fields for key, fields in with_paths.items() if fields} == PATH_ENDPOINTS
    value = hostile.format(outside=base / "outside")
    before = sorted(p.name for p in (base / "outside").iterdir())
    for key, fields in PATH_ENDPOINTS.items():
        fn, inputs = endpoints[key]
        for field in fields:
            values = [value if name == field else
                      str(settings.root / VALID[name]) if name in VALID else
                      "ru_voice" if name == "exp_name" else
                      None if name is None else getattr(app.blocks[fn.inputs[i]._id], "value", None)
                      for i, name in enumerate(inputs)]
            shown = _call(fn, values)
            text = " ".join(str(item) for item in shown if isinstance(item, str))
            assert SECRET not in text and "hunter2" not in repr(shown), (key, field)
            if key.startswith("then:btn_asr") or key.startswith("then:btn_slice"):
                assert all(item == gradio.skip() for item in shown), (key, field, shown)  # nothing filled in
            else:
                assert "is refused: only paths inside the UI's folders" in text, (key, field, text)
                assert "not found" not in text and "is a file" not in text, (key, field, text)
    assert sorted(p.name for p in (base / "outside").iterdir()) == before
    assert (base / "outside" / "secret.list").read_text(encoding="utf-8") == f"{SECRET}\n"


def test_a_refusal_reads_the_same_whether_the_file_exists(project):
    base, settings = project
    messages = []
    for name in ("secret.list", "missing.list"):
        with pytest.raises(PathRefusedError) as error:
            recordings.open_document(settings, str(base / "outside" / name))
        messages.append(str(error.value).replace(name, "X"))
    assert messages[0] == messages[1]


def test_the_proofreading_page_neither_plays_nor_merges_clips_outside_the_folders(project):
    """A list inside the root may name any clip: the page refuses to read or merge one outside."""
    base, settings = project
    listing = settings.root / "outer.list"
    clip = base / "outside" / "clip.wav"
    listing.write_text(f"{clip}|spk|ru|Раз.\n{clip.with_name('clip2.wav')}|spk|ru|Два.\n", encoding="utf-8")
    _wav(clip.with_name("clip2.wav"))
    doc, _ = recordings.open_document(settings, "outer.list")
    view = recordings.page_view(doc, 0, lambda key: {"pr_page_info": "{page}{pages}{lines}{path}"}.get(key, key))
    assert [row.audio for row in view.rows] == [None, None]
    assert all("is refused" in row.reading for row in view.rows)
    with pytest.raises(PathRefusedError):
        recordings.merge_selected(doc, 0, [True, True])
    assert sorted(p.name for p in (base / "outside").iterdir()) == ["clip.wav", "clip2.wav", "secret.list"]
    _wav(settings.root / "in.wav")
    listing.write_text("in.wav|spk|ru|Внутри.\n", encoding="utf-8")
    doc, _ = recordings.open_document(settings, str(listing))
    assert recordings.page_view(doc, 0, lambda key: key).rows[0].audio is not None  # inside: played


def test_allow_dir_adds_folders_at_start_up(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "more").mkdir()
    (tmp_path / "data" / "a.list").write_text("x")
    settings = parse_settings(["--root", str(tmp_path / "root"), "--allow-dir", str(tmp_path / "data")],
                              {"GPT_SOVITS_ALLOW_DIRS": str(tmp_path / "more")})
    assert settings.folders.roots[0] == tmp_path / "root"
    assert {tmp_path / "data", tmp_path / "more"} <= set(settings.folders.roots)
    assert settings.folders.resolve(str(tmp_path / "data" / "a.list")) == tmp_path / "data" / "a.list"
    with pytest.raises(ConfigError, match=r"--allow-dir .*nope: not an existing folder"):
        parse_settings(["--root", str(tmp_path), "--allow-dir", str(tmp_path / "nope")], {})
    with pytest.raises(ConfigError, match="the whole disk cannot be allowed"):
        parse_settings(["--root", str(tmp_path), "--allow-dir", "/"], {})
