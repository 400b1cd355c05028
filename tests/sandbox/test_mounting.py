"""The sandbox is served only when enabled, and production settings refuse it unless forced.

Settings are read once per process, so each case runs in a fresh interpreter with its own environment.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Production settings (DEBUG off, not testing) also need keys; these tests are about the sandbox.
PRODUCTION_KEYS = {"SECRET_KEY": "k" * 50, "FIELD_ENCRYPTION_KEYS": "A" * 43 + "="}

RESOLVE = """
import django
django.setup()
from django.urls import Resolver404, resolve
for path in ("/sandbox/tribute/api/v1/products", "/sandbox/_control/faults/"):
    try:
        print(path, resolve(path).url_name)
    except Resolver404:
        print(path, "not-found")
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("GIFTOFFICE_", "DEBUG", "SECRET_KEY"))
    }
    environ.update({"DJANGO_SETTINGS_MODULE": "giftoffice.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_sandbox_urls_are_not_mounted_when_the_sandbox_is_off():
    result = run_python(RESOLVE, GIFTOFFICE_TESTING="1", GIFTOFFICE_SANDBOX="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "/sandbox/tribute/api/v1/products not-found",
        "/sandbox/_control/faults/ not-found",
    ]


def test_sandbox_is_off_by_default():
    result = run_python(RESOLVE, GIFTOFFICE_TESTING="1")

    assert "/sandbox/tribute/api/v1/products not-found" in result.stdout


def test_sandbox_urls_are_mounted_when_enabled():
    result = run_python(RESOLVE, GIFTOFFICE_TESTING="1", GIFTOFFICE_SANDBOX="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "/sandbox/tribute/api/v1/products sandbox-tribute-products",
        "/sandbox/_control/faults/ sandbox-faults",
    ]


def test_production_settings_refuse_the_sandbox_with_debug_off():
    result = run_python(RESOLVE, GIFTOFFICE_SANDBOX="1", DEBUG="0", **PRODUCTION_KEYS)

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: GIFTOFFICE_SANDBOX=1 with DEBUG off: "
        "set GIFTOFFICE_SANDBOX_FORCE=1 to run the sandbox anyway"
    )


@pytest.mark.parametrize("env", [{"GIFTOFFICE_SANDBOX_FORCE": "1"}, {"DEBUG": "1"}])
def test_the_sandbox_runs_with_debug_off_only_when_forced_or_in_debug(env):
    result = run_python(RESOLVE, GIFTOFFICE_SANDBOX="1", **{**PRODUCTION_KEYS, "DEBUG": "0", **env})

    assert result.returncode == 0, result.stderr
    assert "/sandbox/tribute/api/v1/products sandbox-tribute-products" in result.stdout


ADMIN_MODELS = """
import django
django.setup()
from django.contrib import admin
print(sorted(m._meta.model_name for m in admin.site._registry if m._meta.app_label == "sandbox"))
"""


def test_sandbox_admin_pages_are_not_registered_when_the_sandbox_is_off():
    result = run_python(ADMIN_MODELS, GIFTOFFICE_TESTING="1", GIFTOFFICE_SANDBOX="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_sandbox_admin_pages_are_registered_when_enabled():
    result = run_python(ADMIN_MODELS, GIFTOFFICE_TESTING="1", GIFTOFFICE_SANDBOX="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            "fault",
            "gamesdropaccount",
            "gamesdropofferoverride",
            "gamesdroporder",
            "gamesdroptransaction",
            "giftlyaccount",
            "giftlysentgift",
            "partnerremotegift",
            "telegrampurchasereport",
            "tributesandboxproduct",
        ]
    )
