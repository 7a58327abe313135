"""`carm-gateway check`: the pipeline's answer to a file, with nothing stored or posted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from gateway.bootstrap import System
from gateway.cli import cli
from ledger.schema import inbound_file, interchange_seen, journal_entry, outbound_file
from tests.conftest import Store
from tests.gateway.cad_files import cad_interchange, cad_message, register, write

CONSOLE_SCRIPT = Path(sys.executable).parent / "carm-gateway"


def check(store: Store, path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--database-url", store.url, "--today", "2025-06-20", "check", str(path), *args]
    )


def nothing_stored(system: System) -> bool:
    with system.unit_of_work() as uow:
        return all(
            uow.connection.execute(select(func.count()).select_from(table)).scalar_one() == 0
            for table in (inbound_file, outbound_file, journal_entry, interchange_seen)
        )


def test_check_prints_the_contrl_and_cusres_and_stores_nothing(
    system: System, store: Store, tmp_path: Path
) -> None:
    register(system)
    result = check(
        store, write(tmp_path / "cad.edi", cad_interchange("000001", cad_message())), "--sender", "DEMOBROKER"
    )
    assert result.exit_code == 0, result.output
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+7'" in result.stdout
    assert "BGM+962+10207003502332:00001+9+AP'" in result.stdout
    assert "MOA+128:325.33:CAD'" in result.stdout
    assert nothing_stored(system)


def test_check_json_gives_every_finding_with_its_position_and_exits_3(
    system: System, store: Store, tmp_path: Path
) -> None:
    register(system)
    message = cad_message()
    message[9] = "CST+1+6109100099"  # no such tariff item
    result = check(
        store,
        write(tmp_path / "cad.edi", cad_interchange("000001", message)),
        "--sender",
        "DEMOBROKER",
        "--json",
    )
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["outcome"] == "rejected"
    (only,) = document["messages"]
    assert only["findings"] == [
        {
            "code": "CAD121",
            "text": "classification 6109100099 is not a tariff item in force on 2025-06-19, the release date",
            "pointer": "line 1, CST/2",
        }
    ]
    assert "ERC+CAD121'" in document["cusres"]
    assert nothing_stored(system)


def test_check_json_shows_the_assessed_amounts_per_line(system: System, store: Store, tmp_path: Path) -> None:
    register(system)
    path = write(tmp_path / "cad.edi", cad_interchange("000001", cad_message()))
    document = json.loads(check(store, path, "--sender", "DEMOBROKER", "--json").stdout)
    (line,) = document["messages"][0]["lines"]
    assert line["exchange_rate"] == "1.3612"
    assert (line["value_for_duty_cents"], line["duty_cents"], line["gst_cents"]) == (136120, 24502, 8031)


def test_a_sender_the_database_does_not_know_gets_the_syntax_check_alone(
    system: System, store: Store, tmp_path: Path
) -> None:
    register(system)
    result = check(
        store,
        write(tmp_path / "cad.edi", cad_interchange("000001", cad_message())),
        "--sender",
        "DEMOBROKER2",
    )
    assert result.exit_code == 3
    assert "business rules not checked" in result.stderr
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+4+23'" in result.stdout


def test_the_console_script_checks_a_file_without_any_database(tmp_path: Path) -> None:
    path = write(tmp_path / "cad.edi", cad_interchange("000001", cad_message()))
    result = subprocess.run(
        [
            str(CONSOLE_SCRIPT),
            "--database-url",
            f"sqlite:///{tmp_path}/none.db",
            "check",
            str(path),
            "--sender",
            "DEMOBROKER",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+7'" in result.stdout
    assert "business rules not checked" in result.stderr
