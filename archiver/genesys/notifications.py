"""The notification listener: discovers queues, shards their topics over channels, emits ConversationEnded.

One `v2.routing.queues.{id}.conversations.messages` topic per queue (the only org-wide WebSocket option,
docs/genesys.md#notifications), at most 1,000 topics per channel. Queue discovery repeats every
`queue_refresh_s`; topic→channel assignment is stable so a new queue does not reshuffle every channel.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from archiver.backoff import backoff_s
from archiver.errors import GenesysTransientError
from archiver.genesys.channel import ChannelSocket, Shared
from archiver.genesys.client import GenesysClient
from archiver.genesys.events import ConversationEnded, EndDetector, Gap, ListenerStats, queue_topic
from archiver.genesys.settings import GenesysSettings

log = logging.getLogger(__name__)


class NotificationListener:
    """Long-lived task: `await run()` never returns; cancel it to stop. Only permanent errors escape."""

    def __init__(
        self,
        client: GenesysClient,
        settings: GenesysSettings,
        on_ended: Callable[[ConversationEnded], Awaitable[None]],
        on_gap: Callable[[Gap], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.stats = ListenerStats()
        self.detector = EndDetector(settings.dedupe_size)
        self._shared = Shared(client, settings, self.detector, self.stats, on_ended, on_gap)
        self._client = client
        self._sockets: list[ChannelSocket] = []
        self._tasks: dict[ChannelSocket, asyncio.Task[None]] = {}
        self._serial = 0
        self._rng = random.Random()
        self.topics: set[str] = set()

    @property
    def channels(self) -> int:
        """How many channels are in use."""
        return len(self._sockets)

    def is_connected(self) -> bool:
        """Every channel has a live, subscribed socket (vacuously false before the first discovery)."""
        return bool(self._sockets) and all(s.connected.is_set() for s in self._sockets)

    async def wait_connected(self) -> None:
        """Wait until every channel is connected (wrap in asyncio.timeout; for readiness probes and tests)."""
        while not self.is_connected():  # noqa: ASYNC110 - channels come and go; polling the set is simplest
            await asyncio.sleep(0.02)

    async def run(self) -> None:
        """Discover, subscribe, listen; refresh the queue list periodically; reconnect forever."""
        failures = 0
        try:
            while True:
                try:
                    queue_ids = await self._discover()
                except GenesysTransientError as exc:
                    failures += 1
                    s = self.settings
                    cap = min(s.reconnect_backoff_max_s, s.queue_refresh_s)
                    wait = backoff_s(failures + 1, s.backoff_base_s, cap, self._rng)
                    log.warning(
                        "queue_discovery_failed attempt=%d cause=%s retry_s=%.1f", failures, exc, wait
                    )
                else:
                    failures = 0
                    self._assign({queue_topic(q) for q in queue_ids})
                    wait = self.settings.queue_refresh_s
                await self._watch(wait)
        finally:
            await self._stop_all()

    async def _discover(self) -> list[str]:
        if self.settings.queue_ids:
            return list(dict.fromkeys(self.settings.queue_ids))
        queues = await self._client.list_queues()
        return [q.id for q in queues]

    async def _watch(self, wait: float) -> None:
        """Sleep until the next refresh; re-raise a channel's permanent error at once."""
        tasks = set(self._tasks.values())
        if not tasks:
            await asyncio.sleep(wait)
            return
        done, _ = await asyncio.wait(tasks, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            sock = next(s for s, t in self._tasks.items() if t is task)
            if task.cancelled():
                raise asyncio.CancelledError
            exc = task.exception()
            if exc is not None:
                raise exc
            # A channel task never returns normally; if one did, restart it.
            self._tasks[sock] = self._spawn(sock)

    def _assign(self, wanted: set[str]) -> None:
        """Stable sharding: keep topics where they are, drop vanished ones, fill channels up to the limit."""
        if wanted == self.topics and self._sockets:
            return
        added, removed = wanted - self.topics, self.topics - wanted
        per = self.settings.topics_per_channel
        new_sets = [[t for t in s.topics if t not in removed] for s in self._sockets]
        pending = sorted(added)
        for topics in new_sets:
            room = per - len(topics)
            if room > 0 and pending:
                topics += pending[:room]
                pending = pending[room:]
        while pending:
            new_sets.append(pending[:per])
            pending = pending[per:]
        keep: list[ChannelSocket] = []
        for i, topics in enumerate(new_sets):
            if i < len(self._sockets):
                sock = self._sockets[i]
                if not topics:
                    self._retire(sock)
                    continue
            else:
                self._serial += 1
                sock = ChannelSocket(self._shared, f"ch{self._serial}")
            sock.set_topics(topics)
            keep.append(sock)
            if sock not in self._tasks:
                self._tasks[sock] = self._spawn(sock)
        self._sockets = keep
        self.topics = wanted
        log.info(
            "notification_topics topics=%d channels=%d added=%d removed=%d",
            len(wanted),
            len(keep),
            len(added),
            len(removed),
        )

    def _spawn(self, sock: ChannelSocket) -> asyncio.Task[None]:
        return asyncio.create_task(sock.run(), name=f"genesys-notifications-{sock.name}")

    def _retire(self, sock: ChannelSocket) -> None:
        task = self._tasks.pop(sock, None)
        if task is not None:
            task.cancel()

    async def _stop_all(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        self._sockets = []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
