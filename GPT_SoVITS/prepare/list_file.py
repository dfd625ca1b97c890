"""The .list parser's old import path; it lives in `GPT_SoVITS.data_files.list_file`."""

from GPT_SoVITS.data_files.list_file import (  # noqa: F401
    ListEntry, ListProblem, clean_path, parse_line, read_list, read_list_lines, utterance_name,
)
