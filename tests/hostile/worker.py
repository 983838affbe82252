"""Queue helpers for the hostile worker tests (the in-process worker itself is `tests.support.run_worker`)."""

from __future__ import annotations

from pathlib import Path

from archiver.config import Config
from archiver.queue import QueueItem, SqliteQueue
from tests.support import run_worker

__all__ = ["archive_paths", "pre_enqueue", "queue_items", "run_worker"]


async def queue_items(config: Config, ids: list[str]) -> dict[str, QueueItem | None]:
    """Each id's queue row after the worker stopped."""
    queue = SqliteQueue(config.queue.path)
    await queue.start()
    try:
        return {cid: await queue.get(cid) for cid in ids}
    finally:
        await queue.close()


async def pre_enqueue(config: Config, ids: list[str], source: str = "listener") -> None:
    """Ids the listener had already enqueued before the worker (re)started."""
    Path(config.queue.path).parent.mkdir(parents=True, exist_ok=True)
    queue = SqliteQueue(config.queue.path)
    await queue.start()
    try:
        await queue.enqueue_many(ids, source=source)
    finally:
        await queue.close()


def archive_paths(root: Path, cid: str) -> list[Path]:
    """Every archive file of one conversation under a local sink root (more than one = a duplicate)."""
    return sorted(root.glob(f"conversations/*/*/*/{cid}.json.gz"))
