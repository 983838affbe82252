"""One result per preflight check, and how the report prints and what it exits with.

A check passes (✔), fails (✘, with the fix and the exit code of the failure's kind: 3 config, 4 credentials,
5 Genesys permission, 6 store) or warns (!: the worker runs, but something is degraded or unproven).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Literal, TextIO

from archiver.errors import EXIT_FAILURE

Status = Literal["ok", "fail", "warn"]
MARK: dict[Status, str] = {"ok": "✔", "fail": "✘", "warn": "!"}


@dataclass(frozen=True)
class Result:
    """One check: `name` says what was checked, `detail` what was found, `fix` what to do (✘ and !)."""

    status: Status
    name: str
    detail: str = ""
    fix: str = ""
    exit_code: int = EXIT_FAILURE

    def line(self) -> str:
        text = f"{MARK[self.status]} {self.name}"
        if self.detail:
            text += f": {self.detail}"
        if self.fix and self.status != "ok":
            text += f"\n    fix: {self.fix}"
        return text


def ok(name: str, detail: str = "") -> Result:
    return Result("ok", name, detail)


def fail(name: str, detail: str, fix: str, exit_code: int = EXIT_FAILURE) -> Result:
    return Result("fail", name, detail, fix, exit_code)


def warn(name: str, detail: str, fix: str = "") -> Result:
    return Result("warn", name, detail, fix)


@dataclass
class Report:
    """The results so far, printed as they arrive (an operator watching a slow probe sees progress)."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        print(result.line(), file=self.out, flush=True)
        return result

    def extend(self, results: list[Result]) -> None:
        for r in results:
            self.add(r)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "fail"]

    def exit_code(self) -> int:
        """0 when nothing failed; else the code of the first failure (the most basic cause comes first)."""
        failed = self.failed
        return failed[0].exit_code if failed else 0

    def summary(self) -> str:
        n = {s: sum(r.status == s for r in self.results) for s in MARK}
        verdict = "FAILED" if n["fail"] else "passed"
        return f"check {verdict}: {n['ok']} ok, {n['fail']} failed, {n['warn']} warnings"
