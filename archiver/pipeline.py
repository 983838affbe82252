"""Process one leased conversation: transcript → redacted gzip record (pool) → WORM store → write-back → done.

Outcomes per error class (errors.py): not ended / 202 → retried later without counting an attempt; 404 →
dead-lettered with the reason; 403 or rejected credentials → the lease is released and the error propagates
so the worker stops, naming the missing permission; transient → retried with backoff; IntegrityError (an
archive with another digest exists) → dead-lettered and logged as an alert, unless it is this same record
archived by an earlier run that lost its queue state (then that archive counts). Once the blob is stored the
queue remembers stage "uploaded", so a failing write-back is retried on its own and never re-uploads.
A store outage (the work queue's or the archive store's, after the SDK's own retries) is ridden out where it
happens (archiver/outage.py): the conversation in hand, its built archive and its lease stay here until the
store answers again, and no attempt is counted.
With attachments.mode = "archive", the attachments are stored before the record is built for upload
(archiver/attachments/collect.py), so a stored record never names a missing attachment.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar

import msgspec

from archiver import __version__
from archiver.archive.content import AttachmentArchive
from archiver.archive.earlier import earlier_archive_of
from archiver.archive.record import SCHEMA
from archiver.attachments import AttachmentArchiver, attachment_refs
from archiver.attachments.fetch import AttachmentTransient
from archiver.config_model import WritebackConfig
from archiver.errors import (
    GenesysAuthError,
    GenesysNotFound,
    GenesysPermissionError,
    IntegrityError,
    NotReady,
    PermanentError,
    QueueError,
    QueueUnavailable,
    SinkPermanentError,
    SinkTransientError,
    TransientError,
)
from archiver.metrics import Metrics
from archiver.outage import RideOut, through
from archiver.queue import Lease, WorkQueue
from archiver.redact import REDACTOR_VERSION
from archiver.sinks import ArchiveMeta, PutResult, StoredArchive
from archiver.sinks.naming import validate_conversation_id
from archiver.transcript import (
    NotWebMessaging,
    Transcript,
    TranscriptClient,
    TranscriptSource,
    fetch_transcript,
)
from archiver.writeback import WriteBack, WritebackClient, WritebackFailed

log = logging.getLogger(__name__)

T = TypeVar("T")
Outcome = Literal["archived", "already_archived", "written_back", "not_ready", "retry", "dead"]


class PipelineClient(TranscriptClient, WritebackClient, Protocol):
    """Transcript calls plus the write-back calls."""


class Pool(Protocol):
    """`archiver.pool.CpuPool`: runs a picklable callable in a worker process."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...


class Sink(Protocol):
    """The part of `archiver.sinks.Sink` the pipeline uses."""

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult: ...

    async def get(self, conversation_id: str, end_time: datetime | None = None) -> StoredArchive: ...


class Built(Protocol):
    """What `build_archive` returns (archiver.archive.record.BuiltArchive)."""

    gz: bytes
    sha256: str
    counts: dict[str, int]
    end_time: datetime
    message_count: int
    customer_participant_id: str | None
    queue_id: str | None
    division_id: str | None


class PipelineSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How conversations are processed (assemble.pipeline_settings builds it from config).

    Its own shape because it gathers keys of several sections: the `[writeback]` section as loaded (handed
    on to WriteBack whole, so a new write-back key needs no change here), the queue's attempts and lease,
    and the transcript source derived from `genesys.recordings_fallback`; the not-ready delays are not keys.
    """

    writeback: WritebackConfig = msgspec.field(default_factory=WritebackConfig)
    max_attempts: int = 10  # the queue's: the last attempt falls back too, rather than die
    transcript_source: TranscriptSource = "messages"
    not_ready_delay_s: float = 30.0  # a conversation that has not ended / a transcript still transcoding
    not_ready_max_s: float = 3 * 86400.0  # after this long, "not ready" counts as a failed attempt
    lease_s: float = 300.0
    archiver_version: str = __version__


class InvalidConversationId(PermanentError):
    """An id that cannot name an archive (path tricks, wrong alphabet): dead-lettered."""


def iso_utc(ts: float) -> str:
    """Epoch seconds as RFC 3339 UTC, exactly as the record encodes its `archivedAt` (msgspec's form)."""
    return msgspec.json.encode(datetime.fromtimestamp(ts, UTC)).decode()[1:-1]


class Pipeline:
    """Processes leases; `process` never raises except for errors that must stop the worker."""

    def __init__(
        self,
        *,
        client: PipelineClient,
        pool: Pool,
        sink: Sink,
        queue: WorkQueue,
        metrics: Metrics,
        build: Callable[..., Any],
        settings: PipelineSettings,
        on_archived: Callable[[str, PutResult], Awaitable[None] | None] | None = None,
        attachments: AttachmentArchiver | None = None,
    ) -> None:
        self._client, self._pool, self._sink, self._queue = client, pool, sink, queue
        self._attachments = attachments  # attachments.mode = "archive"; None: metadata only
        self._metrics, self._build, self._settings = metrics, build, settings
        self._on_archived = on_archived
        self.writeback = WriteBack(
            client,
            metrics,
            settings.writeback,
            max_attempts=settings.max_attempts,
        )
        # --- outages ridden out (archiver/outage.py), each feeding /healthz; set by assemble.Components ---
        self.store_outage: RideOut | None = None  # the archive store's uploads
        self.queue_outage: RideOut | None = None  # the work queue's calls (Azure queue only)

    async def _q(self, op: Callable[[], Awaitable[T]]) -> T:
        return await through(self.queue_outage, op)

    async def process(self, lease: Lease) -> Outcome:
        """Take one lease to a final or retry state (see module docstring)."""
        cid = lease.conversation_id
        started = time.monotonic()
        keeper = asyncio.create_task(self._keep_lease(lease))
        try:
            outcome = await self._process(lease)
        except NotReady as exc:
            # Waiting is not failing — until it has gone on for longer than any conversation stays open.
            overdue = time.time() - lease.first_leased_at > self._settings.not_ready_max_s
            error = str(exc)
            state = await self._q(
                lambda: self._queue.retry(
                    lease,
                    error=error,
                    cause="not_ready",
                    delay_s=self._settings.not_ready_delay_s,
                    count_attempt=overdue,
                )
            )
            if state == "dead":
                self._metrics.dead.labels("not_ready").inc()
                return "dead"
            self._metrics.retries.labels("not_ready").inc()
            log.info("not_ready id=%s", cid)
            return "not_ready"
        except GenesysNotFound as exc:
            return await self._dead(lease, exc, "not_found")
        except (GenesysPermissionError, GenesysAuthError, QueueError) as exc:
            await self._release(lease)
            log.error("stopping id=%s error=%s: %s", cid, type(exc).__name__, exc)
            raise
        except IntegrityError as exc:
            log.error("ALERT integrity id=%s error=%s", cid, exc)
            return await self._dead(lease, exc, "integrity")
        except SinkPermanentError as exc:
            # Permissions or a non-WORM container: every other conversation would fail the same way.
            await self._release(lease)
            log.error("stopping id=%s error=%s: %s", cid, type(exc).__name__, exc)
            raise
        except TransientError as exc:
            return await self._retry(lease, exc, _cause(exc))
        except NotWebMessaging as exc:
            return await self._dead(lease, exc, "not_webmessaging")
        except PermanentError as exc:
            return await self._dead(lease, exc, "permanent")
        except Exception as exc:  # a bug must not kill the worker: retry, dead-letter after max attempts
            log.exception("unexpected id=%s error=%s", cid, type(exc).__name__)
            return await self._retry(lease, exc, "unexpected")
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        self._metrics.stage_seconds.labels("total").observe(time.monotonic() - started)
        return outcome

    async def _process(self, lease: Lease) -> Outcome:
        try:
            cid = validate_conversation_id(lease.conversation_id)
        except SinkPermanentError as exc:  # a bad id is this item's problem, not the store's
            raise InvalidConversationId(str(exc)) from exc
        archived_at = iso_utc(lease.first_leased_at)
        stage = await self._q(lambda: self._queue.stage(cid))
        if stage is not None and stage.stage in ("uploaded", "done"):
            # The blob is already in the store: only the write-back is left to do.
            customer = await self.writeback.customer_participant(cid)
            await self.writeback.write(lease, customer, stage.uri, stage.sha256, archived_at)
            await self._q(lambda: self._queue.done(lease, uri=stage.uri, sha256=stage.sha256))
            log.info("written_back id=%s", cid)
            return "written_back"

        with self._timed("fetch"):
            transcript = await fetch_transcript(self._client, cid, self._settings.transcript_source)
        built = await self._build_record(transcript, archived_at)
        if self._attachments is not None:
            built = await self._with_attachments(lease, transcript, built, archived_at)
        meta = ArchiveMeta(
            conversation_id=cid,
            end_time=built.end_time,
            sha256=built.sha256,
            schema=SCHEMA,
            redactor_version=REDACTOR_VERSION,
            archiver_version=self._settings.archiver_version,
            message_count=built.message_count,
            redaction_counts=dict(built.counts),
            queue_id=built.queue_id,  # audit: index tags for `archiver find`
            division_id=built.division_id,
        )
        with self._timed("upload"):
            result, digest, archived_at = await self._store(built, meta, archived_at)
        await self._q(lambda: self._queue.set_stage(lease, "uploaded", uri=result.uri, sha256=digest))
        if result.created:
            self._metrics.archived.inc()
            self._metrics.archive_bytes.inc(len(built.gz))
            self._metrics.record_redactions(built.counts)
            self._metrics.end_to_archive_seconds.observe(max(0.0, time.time() - built.end_time.timestamp()))
        else:
            self._metrics.already_archived.inc()
        if self._on_archived is not None:
            maybe = self._on_archived(cid, result)
            if maybe is not None:
                await maybe
        customer = built.customer_participant_id or transcript.conversation.customer_participant_id
        await self.writeback.write(lease, customer, result.uri, digest, archived_at)
        await self._q(lambda: self._queue.done(lease, uri=result.uri, sha256=digest))
        log.info(
            "archived id=%s created=%s messages=%d bytes=%d via=%s",
            cid,
            result.created,
            built.message_count,
            len(built.gz),
            transcript.via,
        )
        return "archived" if result.created else "already_archived"

    async def _with_attachments(
        self, lease: Lease, transcript: Transcript, built: Built, archived_at: str
    ) -> Built:
        """Store the attachments (their names need the record's end date), then rebuild the record with
        their outcomes: the record is uploaded only after its attachments, so it never names a missing
        one (archiver/attachments/collect.py)."""
        assert self._attachments is not None
        refs = attachment_refs(transcript.message_pages_raw)
        if not refs:
            return built
        last = lease.attempts >= self._settings.max_attempts
        with self._timed("attachments"):
            stored = await self._attachments.archive(
                lease.conversation_id, built.end_time, refs, last_attempt=last
            )
        return await self._build_record(transcript, archived_at, attachments=stored)

    async def _build_record(
        self,
        transcript: Transcript,
        archived_at: str,
        *,
        attachments: Mapping[str, AttachmentArchive] | None = None,
    ) -> Built:
        """Decode, redact, encode, gzip and hash the record in the pool (timed as the "build" stage)."""
        with self._timed("build"):
            built: Built = await self._pool.run(
                functools.partial(
                    self._build,
                    transcript.conversation_raw,
                    transcript.message_pages_raw,
                    archived_at=archived_at,
                    attachments=attachments,
                )
            )
        return built

    async def _store(self, built: Built, meta: ArchiveMeta, archived_at: str) -> tuple[PutResult, str, str]:
        """Put-if-absent; returns where the archive is, its digest and its `archivedAt`.

        A different digest at the archive's name is an integrity alert, unless the stored record is this
        very record archived by an earlier run that lost its queue state (archive/earlier.py): then the
        stored archive is the one of record, with its own digest and time.
        """
        try:
            # The built archive stays in hand through a store outage: no re-fetch, no attempt counted.
            put = await through(self.store_outage, lambda: self._sink.put(built.gz, meta))
            return put, built.sha256, archived_at
        except IntegrityError:
            stored = await self._sink.get(meta.conversation_id, meta.end_time)
            earlier = await self._pool.run(functools.partial(earlier_archive_of, stored, built.gz))
            if earlier is None:
                raise
        log.warning(
            "already_archived_by_earlier_run id=%s archived_at=%s (not in the queue's state: was it lost?)",
            meta.conversation_id,
            earlier,
        )
        return PutResult(stored.uri, created=False), stored.meta.sha256, earlier

    async def _keep_lease(self, lease: Lease) -> None:
        # Long conversations under a tight rate budget can outlive a lease; keep it while we work.
        interval = max(1.0, self._settings.lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self._queue.extend(lease, self._settings.lease_s)

    async def _retry(self, lease: Lease, exc: Exception, cause: str) -> Outcome:
        delay = getattr(exc, "retry_after_s", None)
        state = await self._q(
            lambda: self._queue.retry(lease, error=_describe(exc), cause=cause, delay_s=delay)
        )
        self._metrics.failed.labels(cause).inc()
        if state == "dead":
            self._metrics.dead.labels(cause).inc()
            log.error("dead id=%s cause=%s error=%s", lease.conversation_id, cause, type(exc).__name__)
            return "dead"
        self._metrics.retries.labels(cause).inc()
        log.warning(
            "retry id=%s cause=%s attempt=%d error=%s", lease.conversation_id, cause, lease.attempts, exc
        )
        return "retry"

    async def _dead(self, lease: Lease, exc: Exception, cause: str) -> Outcome:
        await self._q(lambda: self._queue.dead(lease, error=_describe(exc)))
        self._metrics.failed.labels(cause).inc()
        self._metrics.dead.labels(cause).inc()
        log.error("dead id=%s cause=%s error=%s", lease.conversation_id, cause, exc)
        return "dead"

    async def _release(self, lease: Lease) -> None:
        with contextlib.suppress(Exception):
            await self._queue.release(lease)

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Any:
        t0 = time.monotonic()
        try:
            yield
        finally:
            self._metrics.stage_seconds.labels(stage).observe(time.monotonic() - t0)


def _cause(exc: Exception) -> str:
    if isinstance(exc, WritebackFailed):
        return "writeback"
    if isinstance(exc, SinkTransientError):
        return "sink"
    if isinstance(exc, QueueUnavailable):
        return "queue"
    if isinstance(exc, AttachmentTransient):
        return "attachment"
    if isinstance(exc, TransientError) and type(exc).__module__.startswith("archiver"):
        name = type(exc).__name__
        return "genesys" if name.startswith("Genesys") else name.lower()
    return "transient"


def _describe(exc: Exception) -> str:
    # Our own error messages only (never payload text); the queue truncates them too.
    return f"{type(exc).__name__}: {exc}"


def count_map(values: Mapping[str, int] | Sequence[tuple[str, int]]) -> dict[str, int]:
    """A plain dict copy of per-type counts."""
    return dict(values)
