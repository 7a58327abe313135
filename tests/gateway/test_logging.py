"""Logging: our events and the standard library's loggers come out as the same JSON lines."""

from __future__ import annotations

import json
import logging

import pytest

from gateway.logging import configure_logging, get_logger


def test_structlog_and_stdlib_loggers_write_json_lines_without_local_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="INFO", output_format="json")
    get_logger("gateway.test").info("file.received", file_id=7)
    logging.getLogger("paramiko.transport").warning("Connection reset by %s", "peer")
    secret = "private key material"  # noqa: F841 - must not appear in the traceback
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("gateway.test").exception("file.failed")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["event"], line["level"]) for line in lines] == [
        ("file.received", "info"),
        ("Connection reset by peer", "warning"),
        ("file.failed", "error"),
    ]
    assert lines[0]["file_id"] == 7
    assert lines[2]["exception"][0]["exc_type"] == "ValueError"
    assert "private key material" not in json.dumps(lines[2])
