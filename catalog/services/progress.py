"""The progress callback every long service (syncs, pushes) accepts: (done so far, total announced)."""

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]
