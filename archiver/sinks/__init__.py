"""Archive stores: the `Sink` protocol, the local directory sink and the Azure Blob WORM sink."""

from archiver.sinks.azure import AzureClientOptions, AzureSink
from archiver.sinks.base import (
    ArchiveMeta,
    ArchiveNotFound,
    PutResult,
    Retention,
    Sink,
    StoredArchive,
)
from archiver.sinks.local import LocalSink
from archiver.sinks.naming import blob_name, validate_conversation_id

__all__ = [
    "ArchiveMeta",
    "ArchiveNotFound",
    "AzureClientOptions",
    "AzureSink",
    "LocalSink",
    "PutResult",
    "Retention",
    "Sink",
    "StoredArchive",
    "blob_name",
    "validate_conversation_id",
]
