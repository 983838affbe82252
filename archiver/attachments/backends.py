"""The attachment store of a started sink: the local directory, or the Azure container."""

from __future__ import annotations

from archiver.attachments.stores import AttachmentStore, LocalAttachmentStore
from archiver.errors import SinkPermanentError
from archiver.sinks.local import LocalSink


def store_for(sink: object) -> AttachmentStore:
    """The store that keeps attachments beside `sink`'s records."""
    if isinstance(sink, LocalSink):
        return LocalAttachmentStore(sink)
    from archiver.sinks.azure import AzureSink  # lazy: the Azure SDK loads only for the Azure sink

    if isinstance(sink, AzureSink):
        from archiver.sinks.azure_media import AzureAttachmentStore

        return AzureAttachmentStore(sink)
    raise SinkPermanentError(f"cannot store attachments: sink {type(sink).__name__} has no attachment store")
