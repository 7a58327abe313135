"""The exchange-rate and prescribed-interest CSV feeds: strict, line-numbered, never an empty load."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tariff import ExchangeRate, PrescribedRate
from parsers.errors import RatesFeedError
from parsers.rates_csv import ISO_4217, parse_exchange_rates, parse_interest_rates
from tests.conftest import REPO, SHARED

HEADER = b"date,currency,cad_per_unit\n"


def refusal(data: bytes, *, interest: bool = False) -> str:
    with pytest.raises(RatesFeedError) as caught:
        (parse_interest_rates if interest else parse_exchange_rates)(data)
    return str(caught.value)


def test_the_bank_of_canada_rates_are_read_as_published() -> None:
    rates = parse_exchange_rates((SHARED / "reference" / "exchange-rates-boc.csv").read_bytes())
    assert len(rates) == 2988
    assert rates[5] == ExchangeRate(
        rate_date=date(2024, 1, 2), currency="JPY", cad_per_unit=Decimal("0.009380")
    )
    assert str(rates[5].cad_per_unit) == "0.009380"  # the published string, unchanged


def test_the_fixture_files_hold_a_year_of_rates_and_every_quarter_since_2023() -> None:
    rates = parse_exchange_rates((REPO / "fixtures" / "reference" / "exchange-rates-2025.csv").read_bytes())
    assert {r.rate_date.year for r in rates} == {2025} and len(rates) == 1488
    assert {r.currency for r in rates} == {"USD", "EUR", "GBP", "CNY", "MXN", "JPY"}
    quarters = parse_interest_rates((REPO / "fixtures" / "reference" / "interest-rates.csv").read_bytes())
    assert quarters[0] == PrescribedRate(
        quarter_start=date(2023, 1, 1),
        percent=Decimal("4"),
        source_url="https://www.advisor.ca/tax/tax-news/cra-announces-increase-in-prescribed-rate-for-q1-2023/",
    )
    assert len(quarters) == 14


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The rates file is empty."),
        (b"\n\n", "The rates file is empty."),
        (HEADER, "The rates file has a header but no rates."),
        (
            b"2025-01-02,USD,1.4418\n",
            "line 1: the header must be date,currency,cad_per_unit, not 2025-01-02,USD",
        ),
        (HEADER + b"2025-02-30,USD,1.4\n", "line 2: '2025-02-30' is not a real date YYYY-MM-DD."),
        (HEADER + b"20250102,USD,1.4\n", "line 2: '20250102' is not a real date YYYY-MM-DD."),
        (HEADER + b"2025-01-02,USX,1.4\n", "line 2: 'USX' is not an ISO 4217 currency code other than CAD."),
        (HEADER + b"2025-01-02,CAD,1\n", "line 2: 'CAD' is not an ISO 4217 currency code other than CAD."),
        (HEADER + b"2025-01-02,USD,-1.4\n", "line 2: cad_per_unit '-1.4' is not a positive decimal"),
        (HEADER + b"2025-01-02,USD,1.4e0\n", "line 2: cad_per_unit '1.4e0' is not a positive decimal"),
        (HEADER + b"2025-01-02,USD,0.000000001\n", "line 2: cad_per_unit '0.000000001' is not a positive"),
        (HEADER + b"2025-01-02,USD,0.0\n", "line 2: an exchange rate must be > 0."),
        (HEADER + b"2025-01-02,USD\n", "line 2: 2 fields where the header has 3."),
        (
            HEADER + b"2025-01-02,USD,1.4418\n2025-01-02,EUR,1.4816\n\n2025-01-02,USD,1.4418\n",
            "line 5: USD on 2025-01-02 is already given on line 2.",
        ),
        (b"\xff\xfe" + HEADER, "The rates file is not UTF-8 text (byte 0)."),
    ],
)
def test_an_exchange_rate_file_is_refused_with_the_line_and_the_reason(data: bytes, message: str) -> None:
    assert refusal(data).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"quarter_start,prescribed_percent\n2025-02-01,3\n",
            "line 2: 2025-02-01 is not the start of a quarter.",
        ),
        (
            b"quarter_start,prescribed_percent\n2025-04-02,3\n",
            "line 2: 2025-04-02 is not the start of a quarter.",
        ),
        (
            b"quarter_start,prescribed_percent\n2025-04-01,3\n2025-04-01,3\n",
            "line 3: the quarter starting 2025-04-01 is already given on line 2.",
        ),
        (
            b"quarter_start,prescribed_percent,source_url\n2025-04-01,3,ftp://x\n",
            "line 2: source_url 'ftp://x'",
        ),
        (
            b"quarter_start,percent\n2025-04-01,3\n",
            "line 1: the header must be quarter_start,prescribed_percent or",
        ),
        (b"quarter_start,prescribed_percent\n2025-04-01,1000\n", "line 2: prescribed_percent '1000' is not"),
    ],
)
def test_an_interest_rate_file_is_refused_with_the_line_and_the_reason(data: bytes, message: str) -> None:
    assert refusal(data, interest=True).startswith(message)


def test_a_utf8_bom_and_crlf_line_ends_are_tolerated() -> None:
    rates = parse_exchange_rates(
        b"\xef\xbb\xbf" + HEADER.replace(b"\n", b"\r\n") + b"2025-01-02,USD,1.4418\r\n"
    )
    assert rates == (
        ExchangeRate(rate_date=date(2025, 1, 2), currency="USD", cad_per_unit=Decimal("1.4418")),
    )


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
            st.sampled_from(sorted(ISO_4217)),
            st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("9999999999"), places=8),
        ),
        min_size=1,
        unique_by=lambda row: (row[0], row[1]),
    )
)
def test_every_well_formed_row_is_read_back_exactly(rows: list[tuple[date, str, Decimal]]) -> None:
    data = HEADER + "".join(f"{d},{c},{v:f}\n" for d, c, v in rows).encode()
    assert parse_exchange_rates(data) == tuple(
        ExchangeRate(rate_date=d, currency=c, cad_per_unit=v) for d, c, v in rows
    )
