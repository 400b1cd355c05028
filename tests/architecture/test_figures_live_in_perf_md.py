"""Benchmark figures live in docs/perf.md only: the product code's comments and docstrings say what the
code does and why, and point to the doc for how much (a figure copied into code goes stale unseen)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("giftoffice", "catalog", "orders")

# A ratio ("0.05x", "1.38x") or a timing ("0.85 ms", "32 -> 5 ms", "1.5 ms").
FIGURE = re.compile(r"\b\d+(?:\.\d+)?x\b|\b\d+(?:\.\d+)?\s?(?:ms|µs|us)\b")


def prose_of(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring of a module."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                found.append((node.body[0].lineno, docstring))
    return found


def figures_in(source: str) -> list[str]:
    return [f"{line}: {match}" for line, text in prose_of(source) for match in FIGURE.findall(text)]


def test_no_benchmark_figure_in_the_product_codes_comments_or_docstrings():
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and (figures := figures_in(path.read_text(encoding="utf-8"))):
                found[relative] = figures

    assert found == {}, "figures belong in docs/perf.md:\n" + "\n".join(
        f"{module}:{figure}" for module, figures in found.items() for figure in figures
    )


def test_the_check_reads_comments_and_docstrings_not_code():
    source = '''"""A module: 0.05x the plain path."""
HEX = "0x1f"  # about 0.85 ms a call


def f():
    """32 -> 5 ms."""
    return "1.5x"
'''
    assert figures_in(source) == ["2: 0.85 ms", "1: 0.05x", "6: 5 ms"]
