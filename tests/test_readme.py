"""The README promises what the code does: the exit-code table and `sink.kind = auto`."""

from __future__ import annotations

import re
from pathlib import Path

from archiver import errors

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_exit_code_table_lists_every_exit_code() -> None:
    table = README.split("Exit codes (every command):", 1)[1].split("\n\n", 2)[1]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    codes = {v for k, v in vars(errors).items() if k.startswith("EXIT_")} | {0}
    assert documented == codes
    assert "not found" in table.split("| 8 |", 1)[1].split("\n", 1)[0] or "no archive" in table


def test_sink_auto_does_not_promise_a_local_fallback_for_a_real_org() -> None:
    [row] = [line for line in README.splitlines() if line.startswith("| | `sink.kind` |")]
    assert "else local)" not in row and "stops" in row


def test_the_readme_says_what_embedded_mode_keeps_on_restart() -> None:
    embedded = README.split("**Embedded mode**", 1)[1].split("\n\n", 1)[0]
    assert "What a restart keeps" in embedded and "done=0" in embedded
