"""Hand SQL runs from at most five modules (docs/perf.md, "Where hand SQL runs").

Everywhere else the ORM speaks to the database. This reads every module of ours with `ast` and fails
naming each place outside the fence that opens a cursor, runs a statement on one, or hands the ORM raw
SQL (`.cursor(`, `prepared_cursor(`, `.execute(`/`.executemany(`/`.copy(` on a cursor, `.raw(`,
`RawSQL(`, `.extra(`).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("giftoffice", "catalog", "orders")

# A package counts as one module.
FENCE = (
    "catalog/fastpaths/",  # the partner API's and the gift writes' fast paths, one module per database
    "catalog/selectors/",  # the catalog's read-side SQL: the wire list, its ETag, the offer sync's read
    "giftoffice/rows.py",  # DML built from model metadata (purchases, rate counters, offer sync batches)
    "giftoffice/db.py",  # the prepared cursor and the advisory lock
    "giftoffice/dbbackends/",  # the PostgreSQL backend that prepares hot statements
)

CURSOR_OPENERS = {"cursor", "chunked_cursor", "prepared_cursor"}
CURSOR_STATEMENTS = {"execute", "executemany", "copy"}
RAW_SQL = {"raw", "RawSQL", "extra"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_cursor(node: ast.AST) -> bool:
    """A receiver that is a cursor: a name like `cursor`, or a cursor being opened."""
    if isinstance(node, ast.Call):
        return _name(node.func) in CURSOR_OPENERS
    return "cursor" in _name(node).lower()


def hand_sql_in(source: str, filename: str = "<module>") -> list[str]:
    """`line: what` for each place in the source that runs SQL by hand."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        if called in CURSOR_OPENERS:
            found.append(f"{node.lineno}: opens a cursor ({called})")
        elif (
            called in CURSOR_STATEMENTS
            and isinstance(node.func, ast.Attribute)
            and _is_cursor(node.func.value)
        ):
            found.append(f"{node.lineno}: runs a statement on a cursor ({called})")
        elif called in RAW_SQL:
            found.append(f"{node.lineno}: raw SQL through the ORM ({called})")
    return sorted(found, key=lambda line: (int(line.split(":")[0]), line))


def _fenced(relative: str) -> bool:
    return any(relative == entry or (entry.endswith("/") and relative.startswith(entry)) for entry in FENCE)


def hand_sql_outside_the_fence() -> dict[str, list[str]]:
    outside = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or _fenced(relative):
                continue
            found = hand_sql_in(path.read_text(encoding="utf-8"), filename=relative)
            if found:
                outside[relative] = found
    return outside


def test_hand_sql_runs_only_inside_the_fence_of_at_most_five_modules():
    assert len(FENCE) <= 5
    outside = hand_sql_outside_the_fence()

    assert outside == {}, "hand SQL outside the fence:\n" + "\n".join(
        f"{module}:{line}" for module, lines in outside.items() for line in lines
    )


def test_every_module_of_the_fence_exists_and_runs_hand_sql():
    for entry in FENCE:
        paths = sorted((ROOT / entry).rglob("*.py")) if entry.endswith("/") else [ROOT / entry]
        assert paths, entry
        assert any(hand_sql_in(path.read_text(encoding="utf-8")) for path in paths), entry


def test_the_check_sees_each_way_of_running_sql_by_hand():
    source = """
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    cursor.executemany("INSERT", rows)
with prepared_cursor(connection) as hot:
    pass
Gift.objects.raw("SELECT * FROM catalog_gift")
Gift.objects.annotate(n=RawSQL("1", []))
Gift.objects.extra(select={"n": "1"})
connection.chunked_cursor().execute("SELECT 2")
pipe.execute()
run.execute()
"""
    assert hand_sql_in(source) == [
        "2: opens a cursor (cursor)",
        "3: runs a statement on a cursor (execute)",
        "4: runs a statement on a cursor (executemany)",
        "5: opens a cursor (prepared_cursor)",
        "7: raw SQL through the ORM (raw)",
        "8: raw SQL through the ORM (RawSQL)",
        "9: raw SQL through the ORM (extra)",
        "10: opens a cursor (chunked_cursor)",
        "10: runs a statement on a cursor (execute)",
    ]
