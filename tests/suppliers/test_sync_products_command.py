"""`manage.py sync_products` over real HTTP against the sandbox."""

import functools
import io

import pytest
import responses
from django.core.management import CommandError, call_command

from catalog.models import Product, SyncRun
from catalog.services import products as products_service
from giftoffice.integrations.tribute import TributeClient
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import TributeSandboxProduct

pytestmark = pytest.mark.django_db(transaction=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_command(*args, stdout=None) -> str:
    out = stdout or io.StringIO()
    call_command("sync_products", *args, stdout=out)
    return out.getvalue()


def test_sync_prints_one_summary_line_and_no_progress_bar_when_piped(sandbox):
    output = run_command()

    run = SyncRun.objects.get()
    assert output == (
        "Tribute products: fetched 123, created 123, updated 0, unchanged 0, removed 0 "
        f"(sync run #{run.pk})\n"
    )
    assert (run.status, run.trigger) == (RunStatus.SUCCEEDED, "command")
    assert Product.objects.count() == 123


def test_dry_run_prints_what_would_change_and_writes_nothing(sandbox):
    run_command()
    TributeSandboxProduct.objects.filter(id=2548).update(amount=599)
    TributeSandboxProduct.objects.filter(id=2623).delete()

    output = run_command("--dry-run")

    run = SyncRun.objects.latest("id")
    assert output.splitlines() == [
        "would update 2548 'Доступ к VPN на 1 месяц': amount: 499 -> 599",
        "would remove 2623 'Футболка с принтом №2623'",  # noqa: RUF001
        "Tribute products: dry run: would have fetched 122, created 0, updated 1, unchanged 121, removed 1 "
        f"(sync run #{run.pk})",
    ]
    assert Product.objects.get(remote_id=2548).amount == 499
    assert Product.objects.filter(removed_at__isnull=False).count() == 0


def test_dry_run_of_an_unchanged_feed_says_so(sandbox):
    run_command()

    assert run_command("--dry-run").splitlines()[0] == "nothing would change"


def test_a_terminal_gets_a_progress_bar(sandbox):
    output = run_command(stdout=Terminal())

    assert "123/123" in output  # the bar reached the announced total
    assert output.rstrip().endswith(f"removed 0 (sync run #{SyncRun.objects.get().pk})")


def test_a_refused_key_exits_with_one_readable_line(sandbox, monkeypatch):
    monkeypatch.setattr(products_service, "TributeClient", functools.partial(TributeClient, api_key="wrong"))

    with pytest.raises(CommandError) as info:
        run_command()

    run = SyncRun.objects.get()
    assert str(info.value) == (
        "sync_products failed: Tribute refused the API key (check TRIBUTE_API_KEY): "
        "tribute: Unauthorized: invalid API key (HTTP 401); the catalog was left unchanged "
        f"(sync run #{run.pk})"
    )
    assert "\n" not in str(info.value)
    assert (run.status, run.message) == (
        RunStatus.FAILED,
        "tribute: Unauthorized: invalid API key (HTTP 401)",
    )


def test_an_unavailable_supplier_exits_non_zero_and_keeps_the_catalog(sandbox):
    run_command()
    TributeSandboxProduct.objects.filter(id=2548).update(amount=1)
    faults.arm(provider="tribute", kind="http_503", count=10)

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value).startswith(
        "sync_products failed: Tribute is unavailable, try again later: "
        "tribute: Service Unavailable (sandbox fault) (HTTP 503); the catalog was left unchanged"
    )
    assert Product.objects.get(remote_id=2548).amount == 499


def test_an_answer_of_the_wrong_shape_is_named_as_such(sandbox):
    call_command("sync_products", stdout=io.StringIO())  # generates the sandbox catalog
    TributeSandboxProduct.objects.filter(id=2548).update(type="nft")

    with pytest.raises(CommandError) as info:
        run_command()

    assert str(info.value).startswith(
        "sync_products failed: Tribute sent an answer we cannot read: "
        "tribute: product 2548 has unknown type 'nft'"
    )


def test_a_dropped_connection_is_reported_as_unavailable(sandbox, monkeypatch):
    faults.arm(provider="tribute", kind="drop", count=1)
    monkeypatch.setattr(products_service, "TributeClient", functools.partial(TributeClient, max_retries=0))

    with pytest.raises(CommandError) as info:
        run_command()

    assert (
        "Tribute is unavailable, try again later: tribute: connection dropped "
        f"(GET {sandbox}/tribute/api/v1/products);"
    ) in str(info.value)


def test_a_catalog_changing_while_paging_says_so_and_to_try_again(sandbox, monkeypatch):
    # given a catalog that loses a product before every page is read
    run_command()
    Product.objects.update(amount=1)
    real = TributeClient.list_products

    def shrinking(self, **kwargs):
        TributeSandboxProduct.objects.filter(forbidden=False).order_by("-id").first().delete()
        return real(self, **kwargs)

    monkeypatch.setattr(TributeClient, "list_products", shrinking)

    with pytest.raises(CommandError) as info:
        run_command()

    run = SyncRun.objects.latest("id")
    assert str(info.value) == (
        "sync_products failed: Tribute's catalog changed while we paged through it, try again: "
        "tribute: the catalog changed while paging through it (total 118 -> 117 between pages), "
        "3 passes in a row; try again later; "
        f"the catalog was left unchanged (sync run #{run.pk})"
    )
    assert set(Product.objects.values_list("amount", flat=True)) == {1}


def test_a_request_tribute_rejects_exits_with_one_readable_line(sandbox, monkeypatch):
    # given the client sends a query the sandbox refuses with 400 (the client's own checks would stop
    # any bad value it builds itself, so the page call is narrowed to send one)
    def bad_query(self, *, page: int = 1, size: int = 20, **kwargs):
        payload = self.request("GET", "api/v1/products", params={"page": page, "size": size, "desc": "maybe"})
        return self._page(payload)

    monkeypatch.setattr(TributeClient, "list_products", bad_query)

    with pytest.raises(CommandError) as info:
        run_command()

    run = SyncRun.objects.get()
    assert str(info.value) == (
        "sync_products failed: Tribute rejected the request: "
        "tribute: [BAD_REQUEST] desc must be a boolean (HTTP 400); "
        f"the catalog was left unchanged (sync run #{run.pk})"
    )
    assert (run.status, run.message) == (
        RunStatus.FAILED,
        "tribute: [BAD_REQUEST] desc must be a boolean (HTTP 400)",
    )


@responses.activate
def test_a_403_from_tribute_is_a_rejected_request_not_a_refused_key(settings):
    # the sandbox answers 403 only for a single forbidden product, which a sync never asks for
    settings.TRIBUTE_BASE_URL = "https://tribute.example"
    responses.get("https://tribute.example/api/v1/products", json={"message": "Access denied"}, status=403)

    with pytest.raises(CommandError) as info:
        run_command()

    run = SyncRun.objects.get()
    assert str(info.value) == (
        "sync_products failed: Tribute rejected the request: tribute: [FORBIDDEN] Access denied (HTTP 403); "
        f"the catalog was left unchanged (sync run #{run.pk})"
    )
