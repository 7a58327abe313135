"""Payments: the CSV reader, and `payments load` on both stores, clearing the oldest due debt first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from domain.payments import Payment
from gateway.bootstrap import System
from gateway.cli import cli
from parsers.payments_csv import PaymentsFeedError, parse_payments
from tests.builders import assessment
from tests.conftest import Store

IMPORTER = "123456782RM0001"
HEADER = "importer_bn15,date,amount,reference\n"


def run(store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, *args])


def csv_file(tmp_path: Path, *lines: str, name: str = "payments.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_the_reader_gives_one_payment_per_line() -> None:
    data = (HEADER + f"{IMPORTER},2025-08-05,1250.00,BANK-2025-0001\n").encode()
    assert parse_payments(data) == (
        Payment(
            importer_bn15=IMPORTER,
            received_on=dt.date(2025, 8, 5),
            amount_cents=125_000,
            reference="BANK-2025-0001",
        ),
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"{IMPORTER},2025-02-30,10.00,R1", "line 2: date '2025-02-30' is not a real date YYYY-MM-DD."),
        (f"{IMPORTER},2025-08-05,10,R1", "line 2: amount '10' is not a positive amount with two decimals"),
        (f"{IMPORTER},2025-08-05,0.00,R1", "line 2: amount '0.00' is not a positive amount"),
        (f"{IMPORTER},2025-08-05,-5.00,R1", "line 2: amount '-5.00' is not a positive amount"),
        (f"{IMPORTER},2025-08-05,5.00,R 1", "line 2: reference 'R 1' is not 1 to 60 letters"),
        (
            "123456789RM0001,2025-08-05,5.00,R1",
            "line 2: BN15 '123456789RM0001' has a business number that fails",
        ),
        ("123456782RT0001,2025-08-05,5.00,R1", "line 2: BN15 '123456782RT0001' is not an import/export (RM)"),
        (f"{IMPORTER},2025-08-05,5.00", "line 2: 3 fields where the header has 4."),
    ],
)
def test_the_reader_refuses_a_bad_line_naming_it(line: str, message: str) -> None:
    with pytest.raises(PaymentsFeedError) as refused:
        parse_payments((HEADER + line + "\n").encode())
    assert str(refused.value).startswith(message)
    assert refused.value.line == 2


def test_the_reader_refuses_a_reference_given_twice_a_missing_header_and_an_empty_file() -> None:
    twice = HEADER + f"{IMPORTER},2025-08-05,5.00,R1\n{IMPORTER},2025-08-06,5.00,R1\n"
    with pytest.raises(PaymentsFeedError, match=r"^line 3: reference R1 is already given on line 2\.$"):
        parse_payments(twice.encode())
    with pytest.raises(PaymentsFeedError, match=r"^line 1: the header must be importer_bn15,date,amount,ref"):
        parse_payments(f"{IMPORTER},2025-08-05,5.00,R1\n".encode())
    with pytest.raises(PaymentsFeedError, match="header but no payments"):
        parse_payments(HEADER.encode())


def register_with_two_debts(system: System) -> None:
    with system.unit_of_work() as uow:
        uow.parties.add_importer(bn15=IMPORTER, name="Importer", province="ON")
        uow.journal.post(assessment("T1:1", 30_000, 0, due=dt.date(2025, 7, 31)))  # 300.00 due 31 July
        uow.journal.post(assessment("T2:1", 70_000, 0, due=dt.date(2025, 8, 29)))  # 700.00 due 29 August
        uow.commit()


def balance(store: Store) -> dict[str, object]:
    result = run(store, "ledger", "balance", IMPORTER, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output.splitlines()[-1])  # type: ignore[no-any-return]


def test_a_payment_clears_the_oldest_due_debt_first_and_loading_it_again_changes_nothing(
    system: System, store: Store, tmp_path: Path
) -> None:
    register_with_two_debts(system)
    file = csv_file(tmp_path, f"{IMPORTER},2025-08-05,400.00,BANK-1")
    result = run(store, "payments", "load", str(file))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "payments loaded: 1 posted (400.00 CAD), 0 already posted"
    expected = {
        "account": IMPORTER,
        "balance_cents": 60_000,
        "due": [{"due_date": "2025-08-29", "amount_cents": 60_000}],  # 300.00 of July cleared, then 100.00
    }
    assert balance(store) == expected
    again = run(store, "payments", "load", str(file))
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == "payments loaded: 0 posted (0.00 CAD), 1 already posted"
    assert balance(store) == expected


def test_a_reference_loaded_before_with_other_content_refuses_the_whole_file(
    system: System, store: Store, tmp_path: Path
) -> None:
    register_with_two_debts(system)
    assert (
        run(
            store, "payments", "load", str(csv_file(tmp_path, f"{IMPORTER},2025-08-05,100.00,BANK-1"))
        ).exit_code
        == 0
    )
    file = csv_file(
        tmp_path,
        f"{IMPORTER},2025-08-06,50.00,BANK-2",
        f"{IMPORTER},2025-08-05,999.00,BANK-1",
        name="second.csv",
    )
    result = run(store, "payments", "load", str(file))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: second.csv was not loaded: Payment reference BANK-1 was already loaded with another "
        "importer, date or amount."
    )
    assert balance(store)["balance_cents"] == 90_000  # BANK-2 was not kept either


def test_a_payment_for_an_importer_that_is_not_registered_refuses_the_file(
    system: System, store: Store, tmp_path: Path
) -> None:
    register_with_two_debts(system)
    file = csv_file(
        tmp_path, f"{IMPORTER},2025-08-05,100.00,BANK-1", "100000009RM0001,2025-08-05,5.00,BANK-9"
    )
    result = run(store, "payments", "load", str(file))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: payments.csv was not loaded: Payment BANK-9 is for importer 100000009RM0001, which is not "
        "registered."
    )
    assert balance(store)["balance_cents"] == 100_000


def test_a_malformed_payments_file_is_refused_in_one_sentence(store: Store, tmp_path: Path) -> None:
    result = run(store, "payments", "load", str(csv_file(tmp_path, f"{IMPORTER},2025-13-01,5.00,R1")))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: payments.csv was not loaded: line 2: date '2025-13-01' is not a real date YYYY-MM-DD."
    )
