"""The write-back fallback chain as configured: today's configurations keep today's behaviour."""

from __future__ import annotations

import pytest

from archiver.config import load_config
from archiver.errors import ConfigError
from archiver.writeback import chain_of


def chain(**env: str) -> list[str]:
    cfg = load_config(None, env=env)
    w = cfg.writeback
    return list(chain_of(w.mode, w.fallback if w.fallback_to_external_tag_after_s > 0 else ()))


def test_default_is_analytics_properties_falling_back_to_attributes_then_the_tag() -> None:
    assert chain() == ["analytics-properties", "participant-attributes", "external-tag"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # exactly what these modes did before `writeback.fallback` existed
        ("participant-attributes", ["participant-attributes", "external-tag"]),
        ("external-tag", ["external-tag"]),
        ("none", []),
    ],
)
def test_todays_modes_keep_todays_chain(mode: str, expected: list[str]) -> None:
    assert chain(ARCHIVER_WRITEBACK__MODE=mode) == expected


def test_fallback_is_configurable_and_can_be_switched_off() -> None:
    env = {"ARCHIVER_WRITEBACK__MODE": "analytics-properties"}
    assert chain(**env, ARCHIVER_WRITEBACK__FALLBACK="external-tag") == [
        "analytics-properties",
        "external-tag",
    ]
    assert chain(**env, ARCHIVER_WRITEBACK__FALLBACK="none") == ["analytics-properties"]
    assert chain(**env, ARCHIVER_WRITEBACK__FALLBACK_TO_EXTERNAL_TAG_AFTER_S="0") == ["analytics-properties"]


def test_an_unknown_fallback_mode_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"ARCHIVER_WRITEBACK__FALLBACK": "email"})
    assert "writeback.fallback" in str(info.value) and "analytics-properties" in str(info.value)
