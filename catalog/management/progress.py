"""A rich progress bar for management commands, shown only when the output is a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import OutputWrapper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from catalog.services.progress import ProgressCallback


@contextmanager
def progress_bar(stream: OutputWrapper, description: str) -> Iterator[ProgressCallback | None]:
    """Yields an `(done, total)` callback driving the bar, or None when not on a terminal."""
    if not stream.isatty():
        yield None
        return
    console = Console(file=stream._out)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
