"""Attachment bytes: downloaded from Genesys's media URLs and stored beside the record (attachments.mode).

Genesys drops messaging media 30 days after upload, so archiving the conversation is the last easy moment to
keep the bytes (docs/genesys.md, "Attachments"). `refs` finds the attachments of a transcript, `fetch`
downloads one (URLs are capabilities: never logged, never in an error, never in the record), `stores` puts
it into the sink's store write-once, `collect` runs the whole thing for one conversation before its record
is written, and `verify` reads them back for `archiver get --attachments`. The names and record fields are
in docs/archive-format.md, "Attachments".
"""

from archiver.attachments.collect import AttachmentArchiver
from archiver.attachments.refs import AttachmentRef, attachment_refs

__all__ = ["AttachmentArchiver", "AttachmentRef", "attachment_refs"]
