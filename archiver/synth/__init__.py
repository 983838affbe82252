"""Seeded synthetic web-messaging transcripts with labelled PII (accuracy tests, benchmarks, simulator)."""

from __future__ import annotations

from archiver.synth.chat import Span, Transcript, Turn, generate_transcript
from archiver.synth.extra_types import NEW_TYPES, new_negative, new_pii
from archiver.synth.negatives import hard_negative
from archiver.synth.values import PII_TYPES, luhn_valid, obfuscate
from archiver.synth.variants import pii_value

__all__ = [
    "NEW_TYPES",
    "PII_TYPES",
    "Span",
    "Transcript",
    "Turn",
    "generate_transcript",
    "hard_negative",
    "luhn_valid",
    "new_negative",
    "new_pii",
    "obfuscate",
    "pii_value",
]
