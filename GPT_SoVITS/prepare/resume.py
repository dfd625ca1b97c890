"""The one resume rule of the dataset stages: what of the current .list is left to do.

A line is *done* when the stage's output holds it (a row of the merged file or of an unmerged
part, both stage-2 files, or its speaker vector). A line *failed for a reason that still holds*
when the stage's last failure record for it carries the fingerprint of the inputs it has now:
the .list line (and its line number), its audio file (stage 2), its 32 kHz wav (stage 2-get-sv)
or its feature file (stage 3). A done line whose content changed since it was prepared
(`provenance`: its text, language or audio) is *changed* and to do again. Every other
line is *to do*, so a rerun retries what was fixed and processes new lines, never redoes
unchanged finished work. Each stage part plans its share with it; the pipeline plans the whole list to
decide whether a stage can be skipped and to count the outcome.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from GPT_SoVITS.data_files.failures import FailureRecord, read_part_failures
from GPT_SoVITS.data_files.features import stage2_finished
from GPT_SoVITS.data_files.layout import ssl_path, wav32k_path
from GPT_SoVITS.data_files.list_file import ListEntry, ListProblem, read_list
from GPT_SoVITS.data_files.name2semantic import finished_name2semantic
from GPT_SoVITS.data_files.name2text import finished_name2text
from GPT_SoVITS.data_files.sv_vectors import sv_finished
from GPT_SoVITS.prepare.provenance import content_fingerprint, digest, file_state, read_records, text_reading
from GPT_SoVITS.prepare.stage_env import StageEnv


def input_fingerprint(stage: str, entry: ListEntry, opt_dir: Path, wav_dir: str, base_dir: Path,
                      latin: str = "english") -> str:
    """What a stage's result for `entry` depends on; a failure holds while this is unchanged.

    `base_dir` is the folder the stage process runs in (relative audio paths are read from there).
    """
    if stage == "text":
        return digest(stage, entry.where, entry.language, entry.text, *text_reading(entry, latin))
    if stage == "ssl":
        return digest(stage, entry.where, file_state(base_dir / entry.audio_path(wav_dir)))
    if stage == "sv":
        return digest(stage, entry.where, file_state(base_dir / wav32k_path(opt_dir, entry.name)))
    return digest(stage, entry.where, file_state(base_dir / ssl_path(opt_dir, entry.name)))


def problem_fingerprint(problem: ListProblem) -> str:
    """A malformed line's failure holds while the line reads the same at the same place."""
    return digest("line", problem.where, problem.raw)


@dataclass
class StagePlan:
    """One stage's view of a .list (or of one part of it)."""

    stage: str
    entries: list[ListEntry]
    done: dict[str, str] = field(default_factory=dict)  # name -> its output row ("" for stage 2)
    todo: list[ListEntry] = field(default_factory=list)
    held: list[FailureRecord] = field(default_factory=list)  # failures whose inputs are unchanged
    new_problems: list[ListProblem] = field(default_factory=list)  # malformed lines not reported yet
    fingerprints: dict[str, str] = field(default_factory=dict)  # item -> inputs, for todo and new problems
    extra: list[str] = field(default_factory=list)  # rows of the merged output no longer in the list
    changed: list[ListEntry] = field(default_factory=list)  # done, but made from content edited since (also todo)

    @property
    def complete(self) -> bool:
        """Every line done or failed for a reason that still holds, and nothing stale in the output."""
        return not self.todo and not self.new_problems and not self.extra


def _finished(stage: str, entries: list[ListEntry], opt_dir: Path, for_part: bool) -> dict[str, str]:
    if stage == "text":
        return finished_name2text(opt_dir, with_parts=for_part)
    if stage == "semantic":
        return finished_name2semantic(opt_dir, with_parts=for_part)
    if stage == "sv":
        return {entry.name: "" for entry in entries if sv_finished(opt_dir, entry.name)}
    return {entry.name: "" for entry in entries if stage2_finished(opt_dir, entry.name)}


def plan_stage(stage: str, entries: list[ListEntry], problems: list[ListProblem], opt_dir: str | os.PathLike,
               wav_dir: str, for_part: bool, base_dir: Path | None = None, latin: str = "english") -> StagePlan:
    """Sort `entries` and `problems` into done, held failures and work for `stage` ("text", "ssl", "sv", "semantic").

    `for_part`: a stage part plans its share and also counts rows of unmerged parts as done; the
    pipeline plans the whole list from the merged outputs only (and lists their stale rows).
    `base_dir`: the stage process's working folder (default: this process's). `latin`: stage 1's
    reading of Latin words, part of what a line's phones were made from.
    """
    opt_dir = Path(opt_dir)
    base_dir = base_dir or Path.cwd()
    finished = _finished(stage, entries, opt_dir, for_part)
    records: dict[str, FailureRecord] = {}
    for record in read_part_failures(opt_dir, stage):
        records.setdefault(record.item, record)
    prepared = read_records(opt_dir)
    plan = StagePlan(stage, entries)
    for entry in entries:
        if entry.name in finished:
            made_from = prepared.get((stage, entry.name))
            if made_from is None or made_from == content_fingerprint(stage, entry, opt_dir, wav_dir, base_dir, latin):
                plan.done[entry.name] = finished[entry.name]
                continue
            plan.changed.append(entry)
        fingerprint = input_fingerprint(stage, entry, opt_dir, wav_dir, base_dir, latin)
        if _holds(records.get(entry.name), fingerprint):
            plan.held.append(records[entry.name])
        else:
            plan.todo.append(entry)
            plan.fingerprints[entry.name] = fingerprint
    for problem in problems:
        fingerprint = problem_fingerprint(problem)
        if _holds(records.get(problem.where), fingerprint):
            plan.held.append(records[problem.where])
        else:
            plan.new_problems.append(problem)
            plan.fingerprints[problem.where] = fingerprint
    if not for_part:
        names = {entry.name for entry in entries}
        plan.extra = [name for name in finished if name not in names]
    return plan


def _holds(record: FailureRecord | None, fingerprint: str) -> bool:
    return record is not None and bool(record.fingerprint) and record.fingerprint == fingerprint


def plan_part(env: StageEnv, stage: str) -> StagePlan:
    """The plan of stage part `env.i_part` of `env.all_parts`."""
    entries, problems = read_list(env.inp_text, env.i_part, env.all_parts)
    return plan_stage(stage, entries, problems, env.opt_dir, env.inp_wav_dir, for_part=True, latin=env.latin)
