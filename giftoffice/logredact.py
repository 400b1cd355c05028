"""Logging helpers that keep secrets out of log lines, shared by our clients and the sandbox.

It imports nothing of ours on purpose: the sandbox must stay an independent reading of the specs, so
it may not import our clients, yet both sides log Telegram Bot API paths that carry the bot token.
"""

from __future__ import annotations

import logging
import re

REDACTED = "***"

# The Bot API puts the token in the path: /bot<token>/method.
_BOT_PATH = re.compile(r"/bot[^/\s\"']+/")


def redact_bot_paths(text: str) -> str:
    """`/bot<token>/` becomes `/bot***/`."""
    return _BOT_PATH.sub(f"/bot{REDACTED}/", text)


class BotTokenRedactingFilter(logging.Filter):
    """Rewrites `/bot<token>/` in a log record to `/bot***/` (the message is rendered first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        if "/bot" in message:
            record.msg = redact_bot_paths(message)
            record.args = ()
        return True


_FILTER = BotTokenRedactingFilter()


def install_bot_token_redaction(*logger_names: str) -> None:
    """Idempotent: adds the one shared filter to each named logger."""
    for name in logger_names:
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
