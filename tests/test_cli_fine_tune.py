"""The README's CLI-only fine-tune (prepare -> s2 -> s1 -> synthesize), run command by command.

The commands are read from the README block after the `cli-fine-tune` marker and run as written, in a
temp working folder laid out as the README assumes (`data/voice.list`, `data/wavs/`, `ref.wav`), with
only the model files swapped for tiny ones: each command gets the flags pointing at tiny configs and
tiny pretrained weights (there is no tiny discriminator file, so s2 starts D from random weights;
its 2-frame segments keep the full-size discriminator's 8 steps short on CPU).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile

from GPT_SoVITS import weights_compat as wc
from tests.conftest import REPO_ROOT
from tests.webui.ui_fixtures import make_project

MARKER = "<!-- cli-fine-tune:"


def readme_commands() -> list[list[str]]:
    """The marked bash block of README.md as argv lists (continuations joined, comments dropped)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text[text.index(MARKER):], re.S).group(1)
    lines = block.replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _tiny_flags(argv: list[str], project, hubert: Path, s2g: Path, s2_config: Path) -> list[str]:
    """The README command with the model files swapped for tiny ones (flags appended, README's kept)."""
    if argv[1:3] == ["-m", "GPT_SoVITS.prepare"]:
        return ["--hubert", str(hubert), "--s2g", str(s2g), "--s2-config", str(s2_config)]
    if argv[1].endswith("s2_train.py"):
        return ["--base-config", str(s2_config), "--pretrained-s2G", str(s2g), "--pretrained-s2D", ""]
    if argv[1].endswith("s1_train.py"):
        return ["--base-config", str(project.s1_config), "--pretrained-s1", ""]
    if argv[1:3] == ["-m", "GPT_SoVITS.synthesize"]:
        return ["--hubert", str(hubert), "--seed", "7", "--max-new-tokens", "20"]
    raise AssertionError(f"the README block has a command this test does not know: {argv}")


def _as_run_here(argv: list[str], work: Path) -> list[str]:
    """`python` -> this interpreter, script paths -> the repository's, shell globs expanded in `work`."""
    out = [sys.executable]
    for arg in argv[1:]:
        if arg.startswith("GPT_SoVITS/") and arg.endswith(".py"):
            out.append(str(REPO_ROOT / arg))
        elif "*" in arg:
            matches = sorted(glob.glob(arg, root_dir=work))
            assert len(matches) == 1, f"{arg} matched {matches} in {work}"
            out.append(matches[0])
        else:
            out.append(arg)
    return out


@pytest.mark.slow
def test_readme_cli_fine_tune_runs_end_to_end(tmp_path):
    commands = readme_commands()
    assert [c[1] if c[1] != "-m" else c[2] for c in commands] == [
        "GPT_SoVITS.prepare", "GPT_SoVITS/s2_train.py", "GPT_SoVITS/s1_train.py", "GPT_SoVITS.synthesize"]
    project = make_project(tmp_path / "project")
    pretrained = project.root / "GPT_SoVITS" / "pretrained_models"
    hubert, s2g = pretrained / "chinese-hubert-base", pretrained / "gsv-v2final-pretrained" / "s2G2333k.pth"
    s2_config = tmp_path / "tiny_s2.json"
    s2_values = json.loads(project.s2_config.read_text(encoding="utf-8"))
    s2_values["train"]["segment_size"] = 1280
    s2_config.write_text(json.dumps(s2_values), encoding="utf-8")
    work = tmp_path / "work"
    shutil.copytree(project.wav_dir, work / "data" / "wavs")
    shutil.copy(project.list_path, work / "data" / "voice.list")
    first_wav = sorted((work / "data" / "wavs").iterdir())[0]  # an English line trains beside the Russian ones
    shutil.copy(first_wav, first_wav.with_name("english.wav"))
    with open(work / "data" / "voice.list", "a", encoding="utf-8") as handle:
        handle.write("english.wav|speaker|en|Hello, this is my voice on YouTube.\n")
    shutil.copy(project.reference, work / "ref.wav")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    for argv in commands:
        command = _as_run_here(argv, work) + _tiny_flags(argv, project, hubert, s2g, s2_config)
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{shlex.join(argv)}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        assert "Traceback" not in result.stderr

    exp = work / "logs" / "my_voice"
    assert len((exp / "6-name2semantic.tsv").read_text(encoding="utf-8").splitlines()) == 1 + 4
    english = [row for row in (exp / "2-name2text.txt").read_text(encoding="utf-8").splitlines()
               if row.startswith("english.wav\t")]
    assert english and english[0].split("\t")[1].startswith("HH AH0 L OW1 , DH IH1 S")
    sovits = sorted((work / "SoVITS_weights_v2").iterdir())
    assert [p.name for p in sovits] == [f"my_voice_e8_s{8}.pth"]  # 4 clips, batch 4: one step per epoch
    gpt = sorted(p.name for p in (work / "GPT_weights_v2").iterdir())
    assert gpt == ["my_voice-e10.ckpt", "my_voice-e15.ckpt", "my_voice-e5.ckpt"]  # the UI's save-every 5
    export = wc.read_checkpoint(work / "GPT_weights_v2" / "my_voice-e15.ckpt")
    assert export["config"]["train"]["exp_name"] == "my_voice" and export["config"]["train"]["epochs"] == 15
    assert export["config"]["train_phoneme_path"] == str(exp / "2-name2text.txt")
    assert (exp / "config.json").is_file() and (exp / "logs_s2_v2" / "state_latest.pt").is_file()
    audio, rate = soundfile.read(work / "out.wav")
    assert rate == 32000 and len(audio) > 0
