"""add_partner_site, push_gifts and pull_gifts."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import GiftPublication, PartnerSite, PushRun
from giftoffice.sandbox.models import PartnerRemoteGift
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args: str, stdout: io.StringIO | None = None) -> str:
    out = stdout or io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_add_partner_site_stores_the_url_and_auth():
    output = _run(
        "add_partner_site",
        "shop",
        "https://shop.example/",
        "--auth-header",
        "X-Api-Key",
        "--auth-secret",
        "k-1",
    )

    site = PartnerSite.objects.get(name="shop")
    assert (site.base_url, site.auth_header, site.auth_secret) == ("https://shop.example", "X-Api-Key", "k-1")
    assert (site.batch_size, site.languages, site.enabled) == (500, ["ro", "ru", "en", "uk"], True)
    assert output.strip() == "partner site 'shop' added: https://shop.example (auth header X-Api-Key set)"
    assert "k-1" not in output


def test_add_partner_site_reads_the_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHOP_KEY", "Api-Key from-env")

    _run(
        "add_partner_site",
        "shop",
        "https://shop.example",
        "--auth-secret-env",
        "SHOP_KEY",
        "--languages",
        "ro,en",
    )

    site = PartnerSite.objects.get(name="shop")
    assert (site.auth_secret, site.languages) == ("Api-Key from-env", ["ro", "en"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sandbox", "https://x.example"], "a partner site named 'sandbox' already exists"),
        (["other", "not-a-url"], "base_url: Enter a valid URL."),
        (
            ["other", "https://x.example", "--languages", "en"],
            "languages: The default language (ro) must be included.",
        ),
    ],
)
def test_add_partner_site_refuses_bad_input_with_one_line(partner_site, args, message):
    with pytest.raises(CommandError) as caught:
        _run("add_partner_site", *args)

    assert str(caught.value) == message


def test_add_partner_site_refuses_a_timeout_the_task_would_not_outlive(settings):
    # given: django-q2 kills a task after 300 s
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300}
    # when
    with pytest.raises(CommandError) as caught:
        _run("add_partner_site", "shop", "https://shop.example", "--timeout", "300")
    _run("add_partner_site", "fast", "https://fast.example", "--timeout", "299")
    # then
    assert str(caught.value) == "timeout_seconds: Must be below the task queue's time limit (300 seconds)."
    assert list(PartnerSite.objects.values_list("name", "timeout_seconds")) == [("fast", 299.0)]


def test_push_gifts_pushes_the_given_ids_and_prints_a_summary(partner_site):
    pushed, other = GiftFactory.create_batch(2)

    output = _run("push_gifts", "--site", "sandbox", "--ids", str(pushed.pk))

    assert output.strip().startswith("push to sandbox: create 1, update 0, unchanged 0, failed 0 (run #")
    assert list(PartnerRemoteGift.objects.values_list("name_ro", flat=True)) == [pushed.name_ro]
    assert not GiftPublication.objects.filter(gift=other).exists()


def test_push_gifts_all_then_dry_run_prints_the_diff(partner_site):
    # given
    gift = GiftFactory(name_en="Old")
    _run("push_gifts", "--site", "sandbox", "--all")
    gift.name_en = "New"
    gift.save()
    # when
    output = _run("push_gifts", "--site", "sandbox", "--all", "--dry-run")
    # then
    remote_id = GiftPublication.objects.get(gift=gift).remote_id
    lines = output.strip().splitlines()
    assert lines[0] == f"update     #{gift.pk} {gift.name_ro} (remote #{remote_id}): name_en: 'Old' -> 'New'"
    assert lines[1].startswith("push to sandbox: would create 0, would update 1, unchanged 0, failed 0")
    assert PartnerRemoteGift.objects.get().name_en == "Old"


def test_push_gifts_dry_run_prints_the_gifts_it_would_create(partner_site):
    gift = GiftFactory()

    output = _run("push_gifts", "--site", "sandbox", "--ids", str(gift.pk), "--dry-run")

    lines = output.strip().splitlines()
    assert lines[0] == f"create     #{gift.pk} {gift.name_ro}"
    assert lines[1].startswith("push to sandbox: would create 1, would update 0, unchanged 0, failed 0")
    assert not PartnerRemoteGift.objects.exists()


def test_push_gifts_with_refused_credentials_fails_with_one_line(partner_site):
    partner_site.auth_secret = "Api-Key wrong"
    partner_site.save()
    GiftFactory()

    with pytest.raises(CommandError) as caught:
        _run("push_gifts", "--site", "sandbox", "--all")

    assert str(caught.value) == "push to sandbox failed: partner sandbox: Invalid API key. (HTTP 401)"


def test_a_dry_run_against_an_unreachable_site_fails_with_one_line_naming_the_url(db, settings):
    # given: a site nothing listens on
    settings.INTEGRATION_BACKOFF_SECONDS = 0
    PartnerSite.objects.create(name="gone", base_url="http://127.0.0.1:9/partner")
    GiftFactory()
    # when
    with pytest.raises(CommandError) as caught:
        _run("push_gifts", "--site", "gone", "--all", "--dry-run")
    # then
    assert str(caught.value) == (
        "push to gone failed: could not read the site's list: partner gone: connection failed "
        "(GET http://127.0.0.1:9/partner/external/gift/)"
    )
    assert PushRun.objects.get().status == "failed"


def test_push_gifts_with_a_gift_breaking_a_rule_exits_non_zero_after_the_summary(partner_site):
    # A gift the site would refuse is not sent at all (gift_rules), and still fails the command.
    GiftFactory()
    nameless = GiftFactory(name_ro="")
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        _run("push_gifts", "--site", "sandbox", "--all", stdout=out)

    assert "create 1" in out.getvalue()
    assert str(caught.value) == f"not sent: gift {nameless.pk}: breaks a catalog rule (fix it in the admin)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "nope", "--all"], "no partner site named 'nope'; known: sandbox"),
        (["--site", "sandbox", "--ids", "1,x"], "--ids takes comma-separated gift ids, got '1,x'"),
        (["--site", "sandbox", "--ids", "999999"], "no gift with id 999999"),
    ],
)
def test_push_gifts_refuses_bad_arguments_with_one_line(partner_site, args, message):
    with pytest.raises(CommandError) as caught:
        _run("push_gifts", *args)

    assert str(caught.value) == message


def test_pull_gifts_imports_the_remote_gifts(partner_site, partner_api):
    partner_api.call(
        "POST",
        "bulk-create/",
        json=[
            {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}
        ],
    )

    dry = _run("pull_gifts", "--site", "sandbox", "--dry-run")
    real = _run("pull_gifts", "--site", "sandbox")

    assert dry.startswith("pull from sandbox: would create 1, would update 0, unchanged 0, failed 0")
    assert real.startswith("pull from sandbox: create 1, update 0, unchanged 0, failed 0")
    assert GiftPublication.objects.get().gift.name_ro == "Cadou"


def test_a_terminal_gets_a_progress_bar_and_the_summary(partner_site):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    GiftFactory.create_batch(3)
    out = Terminal()

    _run("push_gifts", "--site", "sandbox", "--all", stdout=out)

    assert "3/3" in out.getvalue()  # the bar reached the end
    assert "push to sandbox: create 3" in out.getvalue()


def test_a_failing_command_exits_non_zero_with_one_readable_line(settings):
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    root = Path(settings.BASE_DIR)
    env = {**os.environ, "DATABASE_URL": url, "GIFTOFFICE_TESTING": "1", "DEBUG": "0"}

    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "push_gifts", "--site", "nope", "--all"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: no partner site named 'nope'; known: none yet (add_partner_site)"
    ]


@pytest.mark.parametrize(
    ("kind", "status", "failed", "expected"),
    [
        ("push", "succeeded", 0, None),
        ("push", "failed", 0, "push to shop failed: site unavailable"),
        ("pull", "failed", 0, "pull from shop failed: site unavailable"),
        ("push", "partly_failed", 2, "2 gift(s) failed (run #{pk}); first: gift 7: refused: name_ro: blank"),
        (
            "pull",
            "partly_failed",
            2,
            "2 remote gift(s) not imported (run #{pk}); first: remote #70: refused: name_ro: blank",
        ),
    ],
)
def test_a_run_tells_the_one_line_a_command_fails_with(kind, status, failed, expected):
    from catalog.models import PullRun, PushRun
    from tests.push.factories import PartnerSiteFactory

    run = {"push": PushRun, "pull": PullRun}[kind].objects.create(
        site=PartnerSiteFactory(name="shop"),
        status=status,
        failed=failed,
        message="site unavailable" if status == "failed" else "",
        errors=[{"gift": 7, "remote_id": 70, "error": "refused: name_ro: blank"}] if failed else [],
    )

    assert run.failure_line() == (expected.format(pk=run.pk) if expected else None)
