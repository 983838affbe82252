"""The error hierarchy. Messages read `cannot <verb> <object>: <cause>`; wrap causes with `raise … from exc`.

TransientError: retry later (network, 5xx, 429, not-ready-yet). PermanentError: retrying cannot help —
dead-letter the item or stop the worker. Every error carries a distinct process exit code for the CLI.
"""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_AUTH = 4
EXIT_PERMISSION = 5
EXIT_SINK = 6
EXIT_INTEGRITY = 7
EXIT_NOT_FOUND = 8  # `get`: no archive for that conversation (the store answered)


class ArchiverError(Exception):
    """Base of every error archiver raises on purpose."""

    exit_code = EXIT_FAILURE


class TransientError(ArchiverError):
    """A failure that may succeed if retried later."""


class PermanentError(ArchiverError):
    """A failure that retrying cannot fix."""


class ConfigError(PermanentError):
    """Invalid or missing configuration; the message names the key and the fix."""

    exit_code = EXIT_CONFIG

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key, self.problem, self.fix = key, problem, fix
        super().__init__(f"config key {key}: {problem}; fix: {fix}")


class GenesysError(ArchiverError):
    """Base for errors talking to Genesys Cloud."""


class GenesysTransientError(GenesysError, TransientError):
    """5xx, timeouts, connection errors and exhausted 429 retries."""


class GenesysRateLimited(GenesysTransientError):
    """Genesys asked (429 `Retry-After`) for a longer pause than `genesys.max_retry_after_s`: release the
    work and come back after `retry_after_s` instead of holding it, or retrying early into another 429."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class GenesysAPIError(GenesysError, PermanentError):
    """A 4xx answer other than 401/429, carrying Genesys's `code` and `contextId`."""

    def __init__(self, message: str, *, status: int, code: str | None, context_id: str | None) -> None:
        self.status, self.code, self.context_id = status, code, context_id
        super().__init__(f"{message} (status={status} code={code} contextId={context_id})")


class GenesysNotFound(GenesysAPIError):
    """404: the entity does not exist (e.g. a conversation deleted before archiving)."""


class GenesysAuthError(GenesysError, PermanentError):
    """Client credentials rejected; the worker cannot run."""

    exit_code = EXIT_AUTH


class GenesysPermissionError(GenesysAPIError):
    """403 (e.g. `missing.permissions`): the OAuth client lacks a role permission; the worker stops."""

    exit_code = EXIT_PERMISSION


class NotReady(TransientError):
    """The conversation has not ended yet, or its transcript is still being processed (202)."""


class TranscriptError(PermanentError):
    """A transcript payload (conversation, message listing) failed validation: dead-letter, do not retry."""


class SinkError(ArchiverError):
    """Base for archive-store errors."""

    exit_code = EXIT_SINK


class SinkTransientError(SinkError, TransientError):
    """The store is unreachable or throttling."""


class SinkPermanentError(SinkError, PermanentError):
    """The store refused in a way retrying cannot fix (permissions, container not WORM, …)."""


class IntegrityError(SinkPermanentError):
    """An archive exists with a different digest, or a downloaded archive fails verification: alert."""

    exit_code = EXIT_INTEGRITY


class QueueError(PermanentError):
    """The durable work queue is unusable (corrupt file, wrong schema, missing container, 403)."""


class QueueUnavailable(TransientError):
    """The work queue's store does not answer or is throttling (network, 408, 429, 5xx): wait it out.
    `reach` is the endpoint's archiver.health.Reach, already told of the failure (None: nobody told)."""

    reach: object = None
