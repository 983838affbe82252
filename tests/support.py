"""Test helpers shared by several suites: a fast simulator config, a listener recorder, polling."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from archiver.genesys import ConversationEnded, Gap, GenesysClient, GenesysSettings, NotificationListener
from archiver.sim import SimConfig


def fast_sim_config(**overrides: Any) -> SimConfig:
    """A fast simulator: no rate limit to speak of, instant transcripts, no background traffic."""
    base: dict[str, Any] = {
        "seed": int.from_bytes(os.urandom(4), "big"),
        "rate_limit_per_min": 1_000_000,
        "heartbeat_s": 5.0,
        "transcript_processing_s": 0.0,
        "conversations_per_min": 0.0,
    }
    base.update(overrides)
    return SimConfig(**base)


class Recorder:
    """Runs a real NotificationListener as a task and collects what it emits."""

    def __init__(self) -> None:
        self.ended: list[ConversationEnded] = []
        self.gaps: list[Gap] = []
        self.listener: NotificationListener | None = None
        self.task: asyncio.Task[None] | None = None

    async def on_ended(self, ev: ConversationEnded) -> None:
        self.ended.append(ev)

    async def on_gap(self, gap: Gap) -> None:
        self.gaps.append(gap)

    def ids(self) -> list[str]:
        return [e.conversation_id for e in self.ended]

    async def start(self, client: GenesysClient, settings: GenesysSettings) -> NotificationListener:
        self.listener = NotificationListener(client, settings, self.on_ended, self.on_gap)
        self.task = asyncio.create_task(self.listener.run())
        async with asyncio.timeout(10):
            await self.listener.wait_connected()
        return self.listener

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def eventually(predicate: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Poll until `predicate()` holds, else fail naming `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
