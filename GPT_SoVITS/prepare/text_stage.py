"""Stage 1: .list text -> phones of the training symbol table, in `2-name2text-{i}.txt`.

No BERT features are written: upstream writes them only for Chinese, which GPT-SoVITS-RU does
not clean; every other language trains with zero BERT features. `bert_pretrained_dir` is read
from the environment (the UI sets it) but unused.
"""

from __future__ import annotations

import logging
from pathlib import Path

from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.errors import DataError
from GPT_SoVITS.prepare.list_file import ListEntry, read_list
from GPT_SoVITS.prepare.merge import name2text_part, write_part_failures
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.summary import StageSummary
from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.symbols import SymbolTable, default_table_name, get_table

logger = logging.getLogger(__name__)

STAGE = "1-get-text"


def _single_line(text: str) -> str:
    """Tabs and newlines would break the 4-column format; they mean a space in normalised text."""
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def name2text_line(entry: ListEntry, table: SymbolTable) -> str:
    """Clean one entry and format its `name\\tphones\\tword2ph\\tnorm_text` line.

    Raises `DataError` (incl. `UnsupportedLanguageError`, `UnknownSymbolError`) naming the line.
    """
    try:
        cleaned = clean_text(entry.text, entry.language)
    except DataError as error:
        raise DataError(f"{entry.where}: {error}") from error
    # Every phone must have an embedding row in the table the models are trained with.
    table.to_ids(cleaned.phones, text=entry.text, where=entry.where)
    word2ph = "None" if cleaned.word2ph is None else str(list(cleaned.word2ph))
    return f"{entry.name}\t{' '.join(cleaned.phones)}\t{word2ph}\t{_single_line(cleaned.norm_text)}"


def _count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.strip())


def run_text_stage(env: StageEnv, table: SymbolTable | None = None) -> StageSummary:
    """Run stage 1 for part `env.i_part`; skips the whole part when its output exists (resume)."""
    summary = StageSummary(STAGE)
    output = name2text_part(env.opt_dir, env.i_part)
    if output.exists():
        summary.skipped = _count_lines(output)
        logger.info("%s exists: part %d already done, skipping", output, env.i_part)
        return summary
    table = table or get_table(default_table_name())
    logger.info("stage 1 part %d/%d: %s with symbol table %s (%d symbols); %s unused (no BERT outside Chinese)",
                env.i_part, env.all_parts, env.inp_text, table.name, len(table), env.bert_pretrained_dir)
    entries, problems = read_list(env.inp_text, env.i_part, env.all_parts)
    for problem in problems:
        summary.fail(f"{problem.source}:{problem.line_number}", problem.message)
    lines = []
    for entry in entries:
        try:
            lines.append(name2text_line(entry, table))
        except DataError as error:
            summary.fail(entry.name, str(error))
            continue
        summary.done += 1
    env.opt_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(output, "".join(f"{line}\n" for line in lines))
    write_part_failures(env.opt_dir, "text", env.i_part, summary)
    logger.info(summary.line())
    return summary
