"""One transitions table per status machine, and one typed exception for a move it does not allow."""

from __future__ import annotations

from collections.abc import Mapping


class InvalidTransition(Exception):
    def __init__(self, machine: str, current: str, target: str) -> None:
        super().__init__(f"{machine}: cannot move from {current} to {target}")
        self.machine = machine
        self.current = current
        self.target = target


def check_transition(*, machine: str, table: Mapping[str, frozenset[str]], current: str, target: str) -> None:
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(machine, current, target)
