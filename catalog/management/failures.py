"""One readable line for a failed catalog sync command, whatever failed (supplier, database, code)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.base import CommandError

from catalog.models import SyncRun
from giftoffice.integrations.base import IntegrationError
from giftoffice.runs.services import one_line

Hints = Sequence[tuple[type[BaseException], str]]


def failure_line(exc: BaseException, *, command: str, hints: Hints = (), run: SyncRun | None = None) -> str:
    """`<command> failed: [hint: ]detail[; ... (sync run #N)]`, on one line.

    The first hint whose class matches wins (list subclasses before their parents). A supplier error
    speaks for itself; anything else is named by its class after an "unexpected error" hint.
    """
    hint = next((text for cls, text in hints if isinstance(exc, cls)), None)
    if isinstance(exc, IntegrationError):
        detail = one_line(exc)
    else:
        detail = f"{type(exc).__name__}: {one_line(exc)}"
        hint = hint or "unexpected error"
    line = f"{command} failed: {f'{hint}: ' if hint else ''}{detail}"
    if run is not None:
        line += f"; the catalog was left unchanged (sync run #{run.pk})"
    return line


def command_error(
    exc: BaseException, *, command: str, hints: Hints = (), run: SyncRun | None = None
) -> CommandError:
    return CommandError(failure_line(exc, command=command, hints=hints, run=run))
