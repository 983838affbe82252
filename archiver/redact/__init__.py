"""PII redaction: one RE2 pass plus validators; see engine.py for the contract."""

from __future__ import annotations

from archiver.redact.candidates import Hit
from archiver.redact.custom import CustomPattern
from archiver.redact.engine import REDACTOR_VERSION, RedactConfig, Redaction, Redactor
from archiver.redact.validators import BASE_TYPES, PII_TYPES

__all__ = [
    "BASE_TYPES",
    "PII_TYPES",
    "REDACTOR_VERSION",
    "CustomPattern",
    "Hit",
    "RedactConfig",
    "Redaction",
    "Redactor",
]
