"""`archiver sim --help` gets pasted into tickets: it must not show the simulator's client id and secret."""

from __future__ import annotations

import pytest

from archiver.cli import main
from archiver.sim.config import SimConfig


def test_sim_help_hides_the_default_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sim", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    d = SimConfig()
    assert "--client-secret" in out and d.client_secret not in out and d.client_id not in out
