"""Dotted paths of task functions, taken from the function objects themselves.

django-q2 stores a schedule's function as a dotted path. Writing that path by hand hides a rename
until the worker fails to import it; deriving it from the imported function makes a rename or a move
fail at import time, where tests see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string


def task_path(func: Callable[..., Any]) -> str:
    """`module.function` for a module-level function; refuses anything a worker could not import back."""
    path = f"{func.__module__}.{func.__qualname__}"
    if "<" in path or import_string(path) is not func:
        raise ValueError(f"{path} is not importable by that path; schedule a module-level function")
    return path
