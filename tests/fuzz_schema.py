"""`make fuzz-schema`: schemathesis against /external/schema/ on a live local server, bounded in time.

A throwaway SQLite database, a write key of a demo partner, a few gifts of its own, and the production
profile (gunicorn, giftoffice/gunicorn.conf.py) on a free 127.0.0.1 port; then schemathesis generates
requests from the schema (valid and invalid ones) and checks every answer against it. Exit status:
schemathesis's (0 = nothing found). What it checks and why: docs/api.md, "Schema fuzzing".
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Every check that a JSON schema can express. Not run: positive_data_acceptance (the schema cannot say
# "removal_time after start_time", "a real calendar date" or "a gift of yours", so some schema-valid
# bodies are rightly refused), and the stateful/authorization checks that need links between operations.
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "ignored_auth",
    ]
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    max_time = os.environ.get("FUZZ_MAX_TIME", "150")
    with tempfile.TemporaryDirectory(prefix="fuzz-schema-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/fuzz.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "DEBUG": "0",
            "GIFTOFFICE_TESTING": "1",
            "GIFTOFFICE_SANDBOX": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PARTNER_THROTTLE_READ": "1000000/min",
            "PARTNER_THROTTLE_WRITE": "1000000/min",
            "AUTH_FAILURE_RATE": "",
            "LOG_LEVEL": "ERROR",  # every refused case would log a warning
        }
        manage = [str(BIN / "python"), "manage.py"]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        created = subprocess.run(
            [*manage, "create_partner_key", "fuzz", "--write"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        port = _free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "giftoffice/gunicorn.conf.py"],
            cwd=ROOT,
            env={
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
                "GUNICORN_ACCESSLOG": "",
            },
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            seeded = requests.post(
                f"{base}/external/gift/bulk-create/",
                json=[
                    {
                        "name_ro": "Fuzz",
                        "start_time": "2025-08-25T09:50:00",
                        "removal_time": "2025-08-30T10:50:00",
                    }
                ],
                headers={"Authorization": f"Api-Key {key}"},
                timeout=30,
            )
            seeded.raise_for_status()
            command = [
                str(BIN / "schemathesis"),
                "run",
                f"{base}/external/schema/?format=json",
                "--url",
                base,
                "-H",
                f"Authorization: Api-Key {key}",
                "--checks",
                CHECKS,
                "--max-time",
                max_time,
                "--max-examples",
                os.environ.get("FUZZ_MAX_EXAMPLES", "60"),
                "--seed",
                os.environ.get("FUZZ_SEED", "20251202"),
                "--phases",
                "examples,coverage,fuzzing",
                "--generation-database",
                "none",
                "--request-timeout",
                "20",
            ]
            return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
