"""Settings: defaults, file, environment and options, and one clear sentence for a bad one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gateway.errors import SettingsError
from gateway.settings import load_settings


def test_the_defaults_are_the_embedded_sqlite_store_and_port_2222() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite:///var/carm.db"
    assert settings.sftp_port == 2222
    assert settings.sftp_max_file_size == 16 * 1024 * 1024
    assert settings.gateway_today is None


def test_environment_variables_override_the_file_and_options_override_both(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[sftp]\nport = 3000\n[http]\nport = 9000\n")
    settings = load_settings(
        config_file=config,
        environ={"CARM_SFTP_PORT": "4000", "CARM_GATEWAY_TODAY": "2026-01-02"},
        overrides={"gateway_today": "2026-03-04"},
    )
    assert (settings.sftp_port, settings.http_port) == (4000, 9000)
    assert settings.gateway_today == dt.date(2026, 3, 4)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"CARM_SFTP_PORT": "twenty"},
            "Setting 'sftp.port' (CARM_SFTP_PORT) must be a whole number, got 'twenty'.",
        ),
        ({"CARM_GATEWAY_TODAY": "2026-13-01"}, "Setting 'gateway.today' (CARM_GATEWAY_TODAY) must be a date"),
        ({"CARM_DATABASE_URL": "mysql://x"}, "Setting 'database.url' (CARM_DATABASE_URL) must be a sqlite"),
        ({"CARM_GATEWAY_TIMEZONE": "Mars/Olympus"}, "Setting 'gateway.timezone'"),
        ({"CARM_LOGGING_FORMAT": "xml"}, "Setting 'logging.format' (CARM_LOGGING_FORMAT) must be one of"),
    ],
)
def test_a_bad_setting_is_named_in_one_sentence(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ=environ)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_an_unknown_key_in_a_settings_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[sftp]\nprot = 22\n")
    with pytest.raises(SettingsError, match=r"'sftp\.prot' .* is not a known setting"):
        load_settings(config_file=config, environ={})
