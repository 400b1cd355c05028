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
    assert out == ("django.db.backends.postgresql Redis False django.core.cache.backends.redis.RedisCache")


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
