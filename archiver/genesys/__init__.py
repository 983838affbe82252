"""Genesys Cloud: client-credentials tokens, the REST client with one shared rate budget, notifications."""

from archiver.genesys.analytics import format_interval
from archiver.genesys.auth import TokenManager
from archiver.genesys.client import GenesysClient
from archiver.genesys.events import ConversationEnded, Gap, ListenerStats
from archiver.genesys.models import (
    AnalyticsConversation,
    AnalyticsPage,
    JobResults,
    JobStatus,
    MessageConversation,
    Queue,
)
from archiver.genesys.notifications import NotificationListener
from archiver.genesys.ratelimit import RateBudget
from archiver.genesys.regions import REGIONS, Hosts, resolve_hosts
from archiver.genesys.settings import GenesysSettings
from archiver.genesys.transport import ClientStats

__all__ = [
    "REGIONS",
    "AnalyticsConversation",
    "AnalyticsPage",
    "ClientStats",
    "ConversationEnded",
    "Gap",
    "GenesysClient",
    "GenesysSettings",
    "Hosts",
    "JobResults",
    "JobStatus",
    "ListenerStats",
    "MessageConversation",
    "NotificationListener",
    "Queue",
    "RateBudget",
    "TokenManager",
    "format_interval",
    "resolve_hosts",
]
