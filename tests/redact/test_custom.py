"""`[[redaction.custom]]` operator patterns: found in the same pass, checked at start, named on error."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import load_config, redact_config
from archiver.errors import ConfigError
from archiver.redact import CustomPattern, RedactConfig, Redactor


def test_custom_patterns_with_and_without_cues_and_validators() -> None:
    r = Redactor(
        RedactConfig(
            custom=(
                CustomPattern("EMPLOYEE_ID", r"EMP-\d{6}"),
                CustomPattern("MEMBER_NO", r"\d{8}", cues=("member", "socio", "adhérent", "Mitglied")),
                CustomPattern("LOYALTY_CARD", r"\d{12}", validator="luhn"),
            )
        )
    )
    out = r.redact("EMP-123456 member 12345678 loyalty 123456789015 and 123456789016, order 12345678")
    assert out.text == (
        "[REDACTED:EMPLOYEE_ID] member [REDACTED:MEMBER_NO] loyalty [REDACTED:LOYALTY_CARD] and 123456789016,"
        " order 12345678"
    )
    assert out.counts == {"EMPLOYEE_ID": 1, "MEMBER_NO": 1, "LOYALTY_CARD": 1}
    # built-in types still work next to them
    assert r.redact("card 4111111111111111").text == "card [REDACTED:CREDIT_CARD]"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (CustomPattern("BAD", r"(unclosed"), "RE2 rejects"),
        (CustomPattern("EMPTY", r"\d*"), "empty string"),
        (CustomPattern("EMAIL", r"x\d+"), "clashes with a built-in"),
        (CustomPattern("GROUPS", r"(\d+)"), "capturing groups"),
        (CustomPattern("CHECKED", r"\d+", validator="crc"), "unknown validator"),
        (CustomPattern("lower", r"\d+"), "upper-case"),
    ],
)
def test_bad_entries_are_config_errors_naming_the_entry(entry: CustomPattern, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        Redactor(RedactConfig(custom=(CustomPattern("FINE", r"F\d{4}"), entry)))
    assert info.value.key == f"redaction.custom[1] ({entry.name})"
    assert problem in str(info.value)


def test_config_file_entries_reach_the_redactor_and_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[[redaction.custom]]\nname = "TICKET"\npattern = "TCK-[0-9]{5}"\ncues = []\n')
    r = Redactor(redact_config(load_config(good, env={})))
    assert r.redact("see TCK-12345").text == "see [REDACTED:TICKET]"
    bad = tmp_path / "bad.toml"
    bad.write_text('[[redaction.custom]]\nname = "PHONE"\npattern = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(bad, env={})
    assert info.value.key.startswith("redaction.custom[0]")
