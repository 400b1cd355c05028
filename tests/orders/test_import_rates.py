"""import_rates takes ASCII currency codes and numbers only, and loads a big file in a few statements,
all or nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from orders.models import ExchangeRate

pytestmark = pytest.mark.django_db

HEADER = "from_currency,to_currency,rate,valid_from\n"


def import_file(tmp_path, text: str) -> str:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_rates", str(path), stdout=out)
    return out.getvalue().strip()


NOT_A_CODE = "is not a currency code (ISO 4217: three letters A-Z)"
NOT_A_MOMENT = "is not an ISO 8601 date and time"


# Escapes, so that what each value holds is plain to read: Cyrillic letters, fullwidth and Arabic-Indic
# digits look like ASCII ones.
@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("\u0420\u0423\u0411,USD,0.0109,2026-02-01", f"from_currency '\u0420\u0423\u0411' {NOT_A_CODE}"),
        ("RUB,\u0422\u041eN,0.0109,2026-02-01", f"to_currency '\u0422\u041eN' {NOT_A_CODE}"),
        ("RUBX,USD,0.0109,2026-02-01", f"from_currency 'RUBX' {NOT_A_CODE}"),
        ("RUB,USD,\uff10.\uff10\uff11,2026-02-01", "rate '\uff10.\uff10\uff11' is not a decimal number"),
        ("RUB,USD,0.0\u066109,2026-02-01", "rate '0.0\u066109' is not a decimal number"),
        ("RUB,USD,1_000,2026-02-01", "rate '1_000' is not a decimal number"),
        ("RUB,USD,0.0109,\uff12026-02-01", f"valid_from '\uff12026-02-01' {NOT_A_MOMENT}"),
        (
            "RUB,USD,0.0109,2026-02-01T0\uff19:00Z",
            f"valid_from '2026-02-01T0\uff19:00Z' {NOT_A_MOMENT}",
        ),
    ],
)
def test_non_ascii_codes_and_digits_refuse_the_file(tmp_path, row, error):
    text = HEADER + "RUB,USD,0.0111,2026-02-08\n" + row + "\n"

    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, text)

    assert str(refused.value) == f"nothing loaded: line 3: {error}"
    assert not ExchangeRate.objects.exists()


def test_ascii_forms_of_the_same_values_load(tmp_path):
    text = HEADER + "rub,usd,1E-2,2026-02-01 09:30\nRUB,TON,+.003,2026-02-01T09:30:00.5+03:00\n"

    assert import_file(tmp_path, text) == "rates: 2 created, 0 updated, 0 unchanged"

    assert sorted(ExchangeRate.objects.values_list("from_currency", "to_currency", "rate", "valid_from")) == [
        ("RUB", "TON", Decimal("0.003"), datetime(2026, 2, 1, 6, 30, 0, 500000, tzinfo=UTC)),
        ("RUB", "USD", Decimal("0.01"), datetime(2026, 2, 1, 9, 30, tzinfo=UTC)),
    ]


def big_file(rows: int, *, rate: str = "0.0109", last: str = "") -> str:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    lines = [
        f"RUB,USD,{rate},{(start + timedelta(minutes=n)).strftime('%Y-%m-%dT%H:%M:%SZ')}" for n in range(rows)
    ]
    return HEADER + "\n".join(lines) + "\n" + last


@pytest.mark.perf
def test_a_big_file_loads_in_a_few_statements_and_a_second_time_changes_nothing(
    tmp_path, django_assert_max_num_queries
):
    """Perf: statement counts, may be re-baselined when the import's batches change."""
    # Batches of rows, not a statement per row (SQLite's 999 parameters make its batches 199 rows).
    with django_assert_max_num_queries(40):
        first = import_file(tmp_path, big_file(5000))
    with django_assert_max_num_queries(10):
        second = import_file(tmp_path, big_file(5000))

    assert (first, second) == (
        "rates: 5000 created, 0 updated, 0 unchanged",
        "rates: 0 created, 0 updated, 5000 unchanged",
    )
    assert ExchangeRate.objects.count() == 5000


def test_a_corrected_file_updates_the_changed_rates_only(tmp_path):
    import_file(tmp_path, big_file(3000))
    corrected = big_file(3000).replace(",0.0109,2020-01-01T00:0", ",0.0110,2020-01-01T00:0")

    assert import_file(tmp_path, corrected + "RUB,TON,0.003,2026-01-01\n") == (
        "rates: 1 created, 10 updated, 2990 unchanged"
    )
    assert ExchangeRate.objects.filter(rate=Decimal("0.0110")).count() == 10
    assert ExchangeRate.objects.count() == 3001


def test_a_big_file_with_one_bad_last_row_loads_nothing(tmp_path):
    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, big_file(3000, last="RUB,USD,0.01,never\n"))

    assert str(refused.value) == f"nothing loaded: line 3002: valid_from 'never' {NOT_A_MOMENT}"
    assert not ExchangeRate.objects.exists()
