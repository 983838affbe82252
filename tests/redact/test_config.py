"""RedactConfig validation and the configurable behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import load_config
from archiver.errors import ConfigError
from archiver.redact import PII_TYPES, REDACTOR_VERSION, RedactConfig, Redactor


def test_defaults() -> None:
    assert RedactConfig().enabled_types == PII_TYPES
    assert REDACTOR_VERSION == "archiver-redact/1"


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (RedactConfig(enabled_types=("CREDIT_CARD", "PASSPORTS")), "redaction.enabled_types"),
        (RedactConfig(token_format="[REDACTED]"), "redaction.token_format"),
        (RedactConfig(token_format="{type} {0}"), "redaction.token_format"),
        (RedactConfig(token_format="{kind}"), "redaction.token_format"),
        (RedactConfig(token_format="{type"), "redaction.token_format"),
        (RedactConfig(token_format="{type}\n"), "redaction.token_format"),
    ],
)
def test_bad_config_raises_config_error_naming_the_key(config: RedactConfig, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        Redactor(config)
    assert info.value.key == key
    assert key in str(info.value)


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[redaction]\nenabled_types = ["EMAIL"]\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.key == "redaction.colour"
    path.write_text('[redaction]\nenabled_types = ["EMAIL"]\n', encoding="utf-8")
    assert load_config(path, env={}).redaction.enabled_types == ("EMAIL",)


def test_enabled_types_limit_what_is_replaced() -> None:
    r = Redactor(RedactConfig(enabled_types=("EMAIL",)))
    text = "a@b.co 4111111111111111 123-45-6789 (415) 555-0132 DE89370400440532013000"
    assert r.redact(text) == (text.replace("a@b.co", "[REDACTED:EMAIL]"), {"EMAIL": 1})
    assert Redactor(RedactConfig(enabled_types=())).redact(text) == (text, {})


def test_token_format_and_card_masking() -> None:
    r = Redactor(RedactConfig(token_format="<<{type}>>", mask_cards_last4=True))
    out = r.redact("4111 1111 1111 1111 / 378282246310005 / ４１１１１１１１１１１１１１１１ / a@b.co")
    assert out.text == "**** **** **** 1111 / ***********0005 / ************1111 / <<EMAIL>>"
    assert out.counts == {"CREDIT_CARD": 3, "EMAIL": 1}
    # masked output is stable: running again changes nothing
    assert r.redact(out.text) == (out.text, {})


def test_redact_utf8_matches_redact() -> None:
    r = Redactor()
    text = "é 4111111111111111 ４１１１\u200b１１１１１１１１１１１１ a@b.co"
    data, counts = r.redact_utf8(text.encode())
    assert data.decode() == r.redact(text).text
    assert counts == {"CREDIT_CARD": 2, "EMAIL": 1}
