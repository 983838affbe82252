"""The durable work queue: conversation ids and their processing state, never transcript content."""

from archiver.queue.base import STATES, Lease, QueueItem, Stage, StageName, State, WorkQueue
from archiver.queue.sqlite import SqliteQueue

__all__ = ["STATES", "Lease", "QueueItem", "SqliteQueue", "Stage", "StageName", "State", "WorkQueue"]
