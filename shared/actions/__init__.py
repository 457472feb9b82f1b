"""Built-in actions, importable as the seed page does (``from shared.actions import ...``).

Each registers its ``action_type`` in `shared.specs.ACTIONS`: ``slack``, ``webhook``,
``store_result``, ``custom``, ``email``; ``slack_notification`` is another name of ``slack``
(the reference framework's).
"""

from __future__ import annotations

from shared.actions.base import BaseAction, BuiltinAction
from shared.actions.custom import CustomAction, CustomConfig
from shared.actions.email import EmailConfig, EmailNotification
from shared.actions.http import close_http_session, get_http_session, open_http_session
from shared.actions.slack import SlackConfig, SlackNotification
from shared.actions.store import StoreResult, StoreResultConfig
from shared.actions.webhook import WebhookAction, WebhookConfig
from shared.specs import ACTIONS

ACTIONS.register("slack_notification", SlackNotification)

__all__ = [
    "BaseAction",
    "BuiltinAction",
    "CustomAction",
    "CustomConfig",
    "EmailConfig",
    "EmailNotification",
    "SlackConfig",
    "SlackNotification",
    "StoreResult",
    "StoreResultConfig",
    "WebhookAction",
    "WebhookConfig",
    "close_http_session",
    "get_http_session",
    "open_http_session",
]
