"""Stage 1: .list text -> phones of the training symbol table, in `2-name2text-{i}.txt`.

No BERT features are written: upstream writes them only for Chinese, which GPT-SoVITS-RU does
not clean; every other language trains with zero BERT features. `bert_pretrained_dir` is read
from the environment (the UI sets it) but unused. Lines finished earlier are copied, not
recomputed (prepare/resume.py).
"""

from __future__ import annotations

import logging

from GPT_SoVITS.data_files.failures import write_part_failures
from GPT_SoVITS.data_files.list_file import ListEntry
from GPT_SoVITS.data_files.name2text import format_name2text_line, write_name2text_part
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.prepare.progress import ProgressWriter
from GPT_SoVITS.prepare.resume import plan_part
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.stages import STAGES
from GPT_SoVITS.prepare.summary import StageSummary
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name, get_table

logger = logging.getLogger(__name__)

STAGE = STAGES["text"].name


def name2text_line(entry: ListEntry, table: SymbolTable, latin: str | None = None) -> str:
    """Clean one entry and format its `name\\tphones\\tword2ph\\tnorm_text` line.

    `latin`: how Latin words of a Russian line are read (`english`, `translit`; see clean_text).
    Raises `DataError` (incl. `UnsupportedLanguageError`, `UnknownSymbolError`) naming the line.
    """
    try:
        cleaned = clean_text(entry.text, entry.language, latin)
    except DataError as error:
        raise DataError(f"{entry.where}: {error}") from error
    # Every phone must have an embedding row in the table the models are trained with.
    table.to_ids(cleaned.phones, text=entry.text, where=entry.where)
    return format_name2text_line(entry.name, cleaned.phones, cleaned.word2ph, cleaned.norm_text)


def run_text_stage(env: StageEnv, table: SymbolTable | None = None,
                   progress: ProgressWriter | None = None) -> StageSummary:
    """Run stage 1 for part `env.i_part`: clean the lines not done yet, copy the finished ones."""
    plan = plan_part(env, "text")
    summary = StageSummary.from_plan(STAGE, plan)
    progress = progress or ProgressWriter(env.progress_file)
    progress.begin(len(plan.todo), len(plan.done))
    rows = dict(plan.done)
    if plan.todo:
        table = table or get_table(default_table_name())
        logger.info("stage 1 part %d/%d: %d of %d lines to clean with symbol table %s (%d symbols); %s unused "
                    "(no BERT outside Chinese)", env.i_part, env.all_parts, len(plan.todo), len(plan.entries),
                    table.name, len(table), env.bert_pretrained_dir)
    languages_met: set[str] = set()
    for entry in plan.todo:
        if entry.language.lower() not in languages_met:  # the frontend loads on its first line
            languages_met.add(entry.language.lower())
            progress.loading(f"frontend:{entry.language.lower()}")
        try:
            rows[entry.name] = name2text_line(entry, table, env.latin)
            summary.done += 1
        except DataError as error:
            summary.fail(entry.name, str(error), plan.fingerprints[entry.name])
        progress.advance()
    env.opt_dir.mkdir(parents=True, exist_ok=True)
    write_name2text_part(env.opt_dir, env.i_part, [rows[e.name] for e in plan.entries if e.name in rows])
    write_part_failures(env.opt_dir, "text", env.i_part, summary)
    logger.info(summary.line())
    return summary
