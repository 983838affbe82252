"""The work queue shared by several VMs: Azure Queue Storage messages + one state blob per conversation.

`AzureQueue` (queue.py) is the WorkQueue; `leader.py` elects the one VM that runs intake (listener and
reconciler) on a shared queue. The other modules are its parts: settings and SDK clients, the state blobs,
the messages, the claim of a leased message, and the state transitions.
"""

from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import AzureQueueSettings, settings_from_config

__all__ = ["AzureQueue", "AzureQueueSettings", "settings_from_config"]
