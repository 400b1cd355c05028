"""The import-linter contracts of pyproject.toml hold for the code, and catch a violation.

Each violation is written into a copy of the packages in a temporary folder, so the checkout is never
touched; lint-imports then runs on the copy with the project's own configuration.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("giftoffice", "catalog", "orders")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("code")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, folder / package, ignore=shutil.ignore_patterns("__pycache__", "migrations")
        )
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    return folder


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "giftoffice/sandbox/providers/telegram.py",
            "from giftoffice.integrations import telegram",
            "giftoffice.sandbox is not allowed to import giftoffice.integrations:",
        ),
        (
            "giftoffice/integrations/giftly.py",
            "from catalog.models import Gift",
            "giftoffice.integrations is not allowed to import catalog:",
        ),
        (
            "giftoffice/integrations/giftly.py",
            "from django.db import models",
            "giftoffice.integrations is not allowed to import django.db.models:",
        ),
        (
            "catalog/services/gifts.py",
            "import orders.models",
            "catalog is not allowed to import orders:",
        ),
        (
            "catalog/admin/gifts.py",
            "from giftoffice.sandbox.models import Fault",
            "catalog is not allowed to import giftoffice.sandbox:",
        ),
        (
            "giftoffice/runs/__init__.py",
            "import catalog.models",
            "giftoffice.runs is not allowed to import catalog:",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_lint(copy_of_the_code, module, line, broken):
    target = copy_of_the_code / module
    original = target.read_text()
    target.write_text(f"{original}\n{line}  # noqa\n")
    try:
        result = lint_imports(copy_of_the_code)
    finally:
        target.write_text(original)

    assert result.returncode == 1
    assert broken in result.stdout
    assert "1 broken" in result.stdout
