"""`tariff load` and `rates load` through the real command line, on both stores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from gateway.cli import cli
from tests.conftest import REPO, Store

FIXTURES = REPO / "fixtures" / "reference"
TARIFF = FIXTURES / "tariff-T2026-2.xml"
CONSOLE_SCRIPT = Path(sys.executable).parent / "carm-gateway"
TARIFF_LOADED = (
    "tariff T2026-2 (sequence 1, effective 2026-09-01) loaded: 26 treatments, 349 items, 7360 rates"
)


def run(store: Store, *args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, *map(str, args)])


def test_loading_the_fixture_tariff_prints_what_was_loaded(store: Store) -> None:
    result = run(store, "tariff", "load", TARIFF)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == TARIFF_LOADED


def test_loading_the_same_edition_again_is_refused_in_one_sentence(store: Store) -> None:
    run(store, "tariff", "load", TARIFF)
    result = run(store, "tariff", "load", FIXTURES / "tariff-T2026-2-backdated.xml")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: tariff-T2026-2-backdated.xml was not loaded: Tariff edition T2026-2-FIXTURE has sequence 1, "
        "which is already loaded: the next edition must be sequence 2 (the last loaded is 1)."
    )


def test_an_empty_or_cut_off_tariff_file_is_refused_and_nothing_is_loaded(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "cut.xml").write_bytes(TARIFF.read_bytes()[:200_000])
    empty = run(store, "tariff", "load", tmp_path / "empty.xml")
    cut = run(store, "tariff", "load", tmp_path / "cut.xml")
    assert (empty.exit_code, empty.output.strip()) == (
        1,
        "Error: empty.xml was not loaded: The tariff file is empty.",
    )
    assert cut.exit_code == 1 and cut.output.startswith("Error: cut.xml was not loaded: line ")
    assert "Traceback" not in cut.output
    assert run(store, "tariff", "load", TARIFF).output.strip() == TARIFF_LOADED  # still the first in sequence


def test_a_missing_file_is_a_usage_error(store: Store, tmp_path: Path) -> None:
    result = run(store, "rates", "load", tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_exchange_and_interest_rates_load_once_and_report_what_was_already_there(store: Store) -> None:
    exchange = FIXTURES / "exchange-rates-2025.csv"
    first, again = run(store, "rates", "load", exchange), run(store, "rates", "load", exchange)
    span = "exchange rates loaded (CNY, EUR, GBP, JPY, MXN, USD; 2025-01-02 to 2025-12-30)"
    assert (first.exit_code, first.output.strip()) == (0, f"{span}: 1488 new, 0 unchanged")
    assert (again.exit_code, again.output.strip()) == (0, f"{span}: 0 new, 1488 unchanged")
    interest = run(store, "rates", "load", "--interest", FIXTURES / "interest-rates.csv")
    assert (
        interest.output.strip()
        == "interest rates loaded (quarters 2023-01-01 to 2026-04-01): 14 new, 0 unchanged"
    )


def test_a_rates_file_that_contradicts_the_loaded_rates_is_refused_whole(
    store: Store, tmp_path: Path
) -> None:
    run(store, "rates", "load", FIXTURES / "exchange-rates-2025.csv")
    changed = tmp_path / "changed.csv"
    changed.write_text("date,currency,cad_per_unit\n2026-01-02,USD,1.37\n2025-01-02,USD,1.5\n")
    result = run(store, "rates", "load", changed)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: changed.csv was not loaded: The exchange rate of USD on 2025-01-02 is already loaded "
        "as 1.4418, not 1.5; nothing was loaded."
    )
    (tmp_path / "bad.csv").write_text("date,currency,cad_per_unit\n2026-01-02,USD,1,37\n")
    bad = run(store, "rates", "load", tmp_path / "bad.csv")
    assert bad.output.strip() == "Error: bad.csv was not loaded: line 2: 4 fields where the header has 3."


def test_the_console_script_loads_the_backdated_fixture_and_the_rates(store: Store) -> None:
    def script(*args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [str(CONSOLE_SCRIPT), "--database-url", store.url, *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    tariff = script("tariff", "load", FIXTURES / "tariff-T2026-2-backdated.xml")
    assert tariff.returncode == 0, tariff.stderr
    assert tariff.stdout.strip() == (
        "tariff T2026-2-FIXTURE (sequence 1, effective 2024-01-01) loaded: "
        "26 treatments, 349 items, 7360 rates"
    )
    refused = script("rates", "load", "--interest", FIXTURES / "exchange-rates-2025.csv")
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "line 1: the header must be quarter_start,prescribed_percent or "
        "quarter_start,prescribed_percent,source_url, not date,currency,cad_per_unit."
    )
