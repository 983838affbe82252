"""Archive stores: the `Sink` protocol, the local directory sink and the Azure Blob WORM sink."""

from archiver.sinks.azure import AzureSink, AzureSinkSettings
from archiver.sinks.base import (
    ArchiveMeta,
    ArchiveNotFound,
    PutResult,
    Retention,
    Sink,
    StoredArchive,
)
from archiver.sinks.local import LocalSink, LocalSinkSettings
from archiver.sinks.naming import blob_name, validate_conversation_id

__all__ = [
    "ArchiveMeta",
    "ArchiveNotFound",
    "AzureSink",
    "AzureSinkSettings",
    "LocalSink",
    "LocalSinkSettings",
    "PutResult",
    "Retention",
    "Sink",
    "StoredArchive",
    "blob_name",
    "validate_conversation_id",
]
