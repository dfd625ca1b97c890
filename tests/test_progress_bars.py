"""Progress bars written to a file: a line every few percent, never a flood of carriage returns (issue 27 item 8)."""

from __future__ import annotations

import io

from GPT_SoVITS.progress_bars import progress_bar


def test_a_bar_written_to_a_file_is_a_line_every_five_percent():
    out = io.StringIO()
    for _ in progress_bar(range(1000), desc="s2 epoch 1/8", file=out, mininterval=0):
        pass
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and 20 <= len(lines) <= 23, lines
    assert lines[-1].startswith("s2 epoch 1/8: 100%") and "1000/1000" in lines[-1]


def test_an_unknown_total_writes_at_most_a_line_per_interval():
    out = io.StringIO()
    bar = progress_bar(total=None, desc="stage", file=out)
    for _ in range(5000):
        bar.update(1)
    bar.close()
    assert len(out.getvalue().splitlines()) <= 3 and "\r" not in out.getvalue()


def test_a_terminal_gets_the_live_bar():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    for _ in progress_bar(range(50), file=out, mininterval=0):
        pass
    assert "\r" in out.getvalue()  # redrawn in place
