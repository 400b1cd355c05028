import os
import subprocess
import sys

import pytest
from django.conf import settings


def test_q_cluster_retry_exceeds_timeout_and_attempts_are_finite():
    q = settings.Q_CLUSTER
    assert q["retry"] > q["timeout"]
    assert 0 < q["max_attempts"] < 100


def test_default_language_is_romanian_with_four_languages():
    assert settings.LANGUAGE_CODE == "ro"
    assert settings.LANGUAGE_CODES == ["ro", "ru", "en", "uk"]


def _settings_in_subprocess(env: dict[str, str], code: str) -> str:
    import os
    import subprocess
    import sys

    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "giftoffice.settings", **env}
    script = f"import django; django.setup(); from django.conf import settings; {code}"
    result = subprocess.run(
        [sys.executable, "-c", script], env=full_env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_unset_database_url_means_the_sqlite_file_in_the_project():
    out = _settings_in_subprocess(
        {"DATABASE_URL": "", "REDIS_URL": ""},
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])",
    )
    assert out == f"django.db.backends.sqlite3 {settings.BASE_DIR / 'db.sqlite3'}"


def test_sqlite_runs_wal_with_immediate_transactions_and_the_orm_broker(tmp_path):
    out = _settings_in_subprocess(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": ""},
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); "
        "print(settings.DATABASES['default']['ENGINE'], c.fetchone()[0], "
        "settings.DATABASES['default']['OPTIONS']['transaction_mode'], settings.Q_CLUSTER.get('orm'))",
    )
    assert out == "django.db.backends.sqlite3 wal IMMEDIATE default"


def test_database_url_and_redis_url_switch_to_postgres_and_the_redis_broker():
    out = _settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/giftoffice",
            "REDIS_URL": "redis://127.0.0.1:6379/15",
        },
        "from django_q.brokers import get_broker; "
        "print(settings.DATABASES['default']['ENGINE'], type(get_broker()).__name__, "
        "'orm' in settings.Q_CLUSTER, settings.CACHES['default']['BACKEND'])",
    )
    # Django's PostgreSQL backend with the health-check delay (giftoffice/dbbackends/postgresql).
    assert out == ("giftoffice.dbbackends.postgresql Redis False django.core.cache.backends.redis.RedisCache")


def test_the_redis_broker_round_trips_a_task(postgres_only):
    """Runs with the service-backed suite (make test-postgres), where Redis is up as in production."""
    out = _settings_in_subprocess(
        {"REDIS_URL": "redis://127.0.0.1:6379/15"},
        "import uuid; from django_q.brokers import get_broker; "
        "b = get_broker(f'giftoffice-test-{uuid.uuid4()}'); "
        "b.enqueue('payload'); task = b.dequeue(); b.delete_queue(); "
        "print(type(b).__name__, b.ping(), task[0][1])",
    )
    assert out == "Redis True b'payload'"


def _demo_shell_env(url_file) -> dict[str, str]:
    """The environment of `make manage` in a second shell: the demo's, no sandbox URL exported."""
    env = {key: value for key, value in os.environ.items() if not key.endswith(("_BASE_URL", "_API_BASE"))}
    env.pop("GIFTOFFICE_SANDBOX_URL", None)
    return {
        **env,
        "DEBUG": "1",
        "GIFTOFFICE_SANDBOX": "1",
        "GIFTOFFICE_TESTING": "0",
        "GIFTOFFICE_SANDBOX_URL_FILE": str(url_file),
        "DJANGO_SETTINGS_MODULE": "giftoffice.settings",
    }


def test_with_the_sandbox_on_and_no_url_exported_the_url_make_run_recorded_is_used(tmp_path):
    url_file = tmp_path / ".demo-sandbox-url"
    url_file.write_text("http://127.0.0.1:8201/sandbox\n")
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.GAMESDROP_BASE_URL)"
    )

    recorded = subprocess.run(
        [sys.executable, "-c", script],
        env=_demo_shell_env(url_file),
        capture_output=True,
        text=True,
        check=True,
    )
    url_file.unlink()
    default = subprocess.run(
        [sys.executable, "-c", script],
        env=_demo_shell_env(url_file),
        capture_output=True,
        text=True,
        check=True,
    )

    assert recorded.stdout.strip() == "http://127.0.0.1:8201/sandbox/gamesdrop"
    assert default.stdout.strip() == "http://127.0.0.1:8000/sandbox/gamesdrop"


@pytest.mark.django_db(transaction=True)
def test_a_command_in_a_second_shell_reaches_the_demos_sandbox_on_its_port(sandbox, tmp_path):
    # given: the demo's sandbox on a port other than 8000, recorded as `make run` records it
    url_file = tmp_path / ".demo-sandbox-url"
    url_file.write_text(f"{sandbox}\n")

    # when: a command in another shell, with nothing exported by hand, calls the supplier
    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "shell",
            "--no-imports",
            "-c",
            "from giftoffice.integrations import gamesdrop; print(gamesdrop.client().balance().balance)",
        ],
        env=_demo_shell_env(url_file),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then
    assert (result.returncode, result.stdout.strip()) == (0, settings.SANDBOX_GAMESDROP_BALANCE), (
        result.stderr
    )


def test_make_run_records_the_sandbox_url_of_its_port():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8201"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )

    assert 'echo "$GIFTOFFICE_SANDBOX_URL" > .demo-sandbox-url' in dry_run.stdout.splitlines()
