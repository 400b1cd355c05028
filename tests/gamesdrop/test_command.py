"""The sync_offers management command: output, dry run, filters, and one readable line per failure."""

import io

import pytest
import responses
from django.core.management import CommandError, call_command
from django.db import OperationalError

from catalog.models import Offer, SyncRun
from catalog.services import offers as offer_service
from giftoffice.integrations import gamesdrop
from giftoffice.integrations.gamesdrop import ERROR_CODES, GamesDropClient
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.providers import gamesdrop_state

STATUS = {"INVALID_TOKEN": 401, "SERVICE_UNAVAILABLE": 503, "BALANCE_UNAVAILABLE": 503}


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("sync_offers", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_sync_prints_one_summary_line(gd):
    output = run_command()

    run = SyncRun.objects.get()
    assert output.splitlines() == [
        "sync_offers: fetched 60, created 60, updated 0, unchanged 0, removed 0 "
        f"in {run.duration_seconds:.1f}s (run #{run.pk})"
    ]
    assert output.count("fetching offers") == 0  # no progress bar when stdout is not a terminal


@pytest.mark.django_db(transaction=True)
def test_dry_run_prints_the_changes_and_writes_nothing(gd):
    output = run_command("--dry-run")

    lines = output.splitlines()
    assert lines[0] == "+ create #101 PUBG Mobile — 60 UC: 0.99 USD"
    assert lines[20] == "  ... and 40 more creates"
    assert "dry run: would have fetched 60, created 60, updated 0, unchanged 0, removed 0" in lines[-1]
    assert not Offer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_category_and_search_narrow_the_sync(gd):
    run_command("--category", "TOP_UP", "--search", "genshin")

    names = set(Offer.objects.values_list("product_name", flat=True))
    assert names
    assert all("Genshin" in name for name in names)
    assert set(Offer.objects.values_list("category", flat=True)) == {"Top Up"}
    assert SyncRun.objects.get().params == {"category": "TOP_UP", "search": "genshin"}


@pytest.mark.django_db(transaction=True)
def test_progress_bar_on_a_terminal_still_ends_with_the_summary(gd):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    call_command("sync_offers", stdout=out)

    output = out.getvalue()
    assert "fetching offers" in output  # the bar is drawn on the command's own terminal
    assert "60/60" in output  # and reached the announced total
    last_line = output.rstrip().rsplit("\x1b[2K", 1)[-1]
    assert last_line.startswith("sync_offers: fetched 60, created 60, updated 0, unchanged 0, removed 0 in ")


@pytest.mark.django_db(transaction=True)
def test_invalid_token_over_http_is_one_readable_line(gd, settings, monkeypatch):
    # the sandbox accepts exactly settings.GAMESDROP_TOKEN: the command gets a client with another one
    monkeypatch.setattr(
        gamesdrop,
        "client",
        lambda: GamesDropClient(base_url=settings.GAMESDROP_BASE_URL, token="abcdef123456"),
    )

    with pytest.raises(CommandError) as info:
        run_command()

    assert (
        str(info.value)
        == "sync_offers failed: gamesdrop: [INVALID_TOKEN] Invalid authorization token (HTTP 401)"
    )
    assert SyncRun.objects.get().status == RunStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_supplier_down_over_http_is_one_readable_line(gd):
    faults.arm(provider="gamesdrop", kind="http_503", path="offers/sync", count=10)

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value) == (
        "sync_offers failed: gamesdrop: [SERVICE_UNAVAILABLE] Service Unavailable (sandbox fault) (HTTP 503)"
    )


@pytest.mark.django_db(transaction=True)
def test_supplier_hanging_past_the_timeout_is_one_readable_line(gd, settings, hang_timeouts):
    settings.INTEGRATION_MAX_RETRIES = 0
    faults.arm(provider="gamesdrop", kind="hang", path="offers/sync", count=10, delay_seconds=1.5)

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value) == (
        "sync_offers failed: gamesdrop: no answer before the read timeout "
        f"(POST {settings.GAMESDROP_BASE_URL}/api/v1/offers/sync)"
    )


@pytest.mark.django_db(transaction=True)
def test_invalid_request_over_http_is_one_readable_line(gd):
    with pytest.raises(CommandError) as info:
        run_command("--search", "x" * 300)

    assert str(info.value) == (
        "sync_offers failed: gamesdrop: [INVALID_REQUEST_BODY] "
        "search must be a string of at most 255 characters (HTTP 400)"
    )


@pytest.mark.django_db(transaction=True)
def test_a_feed_changing_under_the_sync_is_one_readable_line(gd, settings, monkeypatch):
    settings.GAMESDROP_SYNC_PAGE_SIZE = 20
    hide = iter(range(1002, 1060))
    real = gamesdrop.GamesDropClient.sync_page

    def shrinking(self, **kwargs):
        gamesdrop_state.set_offer(next(hide), hidden=True)
        return real(self, **kwargs)

    monkeypatch.setattr(gamesdrop.GamesDropClient, "sync_page", shrinking)

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value).startswith(
        "sync_offers failed: gamesdrop: the catalog changed while paging through it (total "
    )
    assert not Offer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(ERROR_CODES))
@responses.activate
def test_every_error_code_is_one_readable_command_error(settings, code):
    settings.GAMESDROP_BASE_URL = "https://partner.example"
    settings.INTEGRATION_BACKOFF_SECONDS = 0
    status = STATUS.get(code, 400)
    responses.post(
        "https://partner.example/api/v1/offers/sync",
        json={"code": code, "message": "supplier text"},
        status=status,
    )

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value) == f"sync_offers failed: gamesdrop: [{code}] supplier text (HTTP {status})"


@pytest.mark.django_db
@responses.activate
def test_an_unreadable_feed_is_one_readable_command_error(settings):
    settings.GAMESDROP_BASE_URL = "https://partner.example"
    responses.post(
        "https://partner.example/api/v1/offers/sync", json={"count": 1, "rows": [{"offerGroupId": "x"}]}
    )

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value) == "sync_offers failed: gamesdrop: sync row: offerGroupId must be an integer"


@pytest.mark.django_db(transaction=True)
def test_a_failure_outside_the_supplier_is_one_readable_line(gd, monkeypatch):
    # given the database refusing the write lock (not a supplier error)
    def locked() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(offer_service, "_lock_catalog", locked)

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value) == "sync_offers failed: unexpected error: OperationalError: database is locked"
    run = SyncRun.objects.get()
    assert (run.status, run.message) == (RunStatus.FAILED, "database is locked")
    assert not Offer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_unknown_category_is_one_readable_error_and_no_sync(gd):
    with pytest.raises(CommandError) as failure:
        run_command("--category", "nope")

    assert str(failure.value) == (
        "sync_offers failed: unknown category 'nope'; known: Gift Cards, Top Up (aliases: TOP_UP, GIFT_CARD)"
    )
    assert not SyncRun.objects.exists()
    assert not Offer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_category_seen_in_an_earlier_feed_is_known_in_any_case(gd):
    run_command()
    Offer.objects.filter(pk=Offer.objects.first().pk).update(
        category="Vouchers"
    )  # one the guide does not name

    output = run_command("--category", "vouchers")

    assert "fetched 0" in output
