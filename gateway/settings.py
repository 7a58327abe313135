"""Settings: defaults from `config/gateway.toml`, an optional file on top, then `CARM_*` variables, then
command-line options (gateway layer).

Loaded once, in the click group's callback, and passed down as a frozen `Settings` value; nothing reads
the environment anywhere else. A bad setting stops startup with one sentence naming it.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.errors import SettingsError

DEFAULTS_FILE = Path(__file__).resolve().parents[1] / "config" / "gateway.toml"
ENV_PREFIX = "CARM_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every setting of the gateway, typed and checked; names are `<section>_<key>` of gateway.toml."""

    database_url: str
    gateway_var_dir: Path
    gateway_timezone: str
    gateway_today: dt.date | None
    gateway_late_accounting_penalty: bool
    sftp_host: str
    sftp_port: int
    sftp_max_file_size: int
    sftp_idle_timeout: float
    sftp_max_failed_logins: int
    sftp_login_window: float
    http_host: str
    http_port: int
    workers_count: int
    workers_poll_interval: float
    logging_level: str
    logging_format: str
    batches_enabled: bool
    batches_start_date: dt.date | None
    batches_tick_seconds: float
    batches_processes: int
    alerts_webhook_url: str
    alerts_smtp_host: str
    alerts_smtp_port: int
    alerts_smtp_from: str
    alerts_smtp_to: tuple[str, ...]
    alerts_interval: float
    alerts_waiting_seconds: float
    alerts_batch_grace: float
    alerts_rejection_rate: float
    alerts_rejection_window: float
    alerts_rejection_min_files: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.gateway_timezone)


def _as_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _as_int(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be from {low} to {high}")
        return number

    return parse


def _as_float(low: float) -> Callable[[object], float]:
    def parse(value: object) -> float:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError("must be a number") from None
        if number < low:
            raise ValueError(f"must be at least {low}")
        return number

    return parse


def _as_date(value: object) -> dt.date | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None


def _as_zone(value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as America/Toronto") from None
    return str(value)


def _as_fraction(value: object) -> float:
    number = _as_float(0.0)(value)
    if number > 1:
        raise ValueError("must be from 0 to 1")
    return number


def _as_url(value: object) -> str:
    text = _as_str(value).strip()
    if text and not text.startswith(("http://", "https://")):
        raise ValueError("must be empty or an http:// or https:// URL")
    return text


def _as_addresses(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else _as_str(value).split(",")
    addresses = tuple(str(item).strip() for item in items if str(item).strip())
    if any("@" not in address for address in addresses):
        raise ValueError("must be e-mail addresses (a list, or separated by commas)")
    return addresses


def _one_of(*choices: str) -> Callable[[object], str]:
    by_folded = {choice.casefold(): choice for choice in choices}

    def parse(value: object) -> str:
        try:
            return by_folded[str(value).strip().casefold()]
        except KeyError:
            raise ValueError("must be one of " + ", ".join(choices)) from None

    return parse


def _database_url(value: object) -> str:
    text = _as_str(value).strip()
    if not text.startswith(("sqlite:", "postgresql")):
        raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
    return text


PARSERS: Mapping[str, Callable[[object], Any]] = {
    "database_url": _database_url,
    "gateway_var_dir": lambda value: Path(_as_str(value)),
    "gateway_timezone": _as_zone,
    "gateway_today": _as_date,
    "gateway_late_accounting_penalty": _as_bool,
    "sftp_host": _as_str,
    "sftp_port": _as_int(0, 65535),
    "sftp_max_file_size": _as_int(1, 2**40),
    "sftp_idle_timeout": _as_float(1.0),
    "sftp_max_failed_logins": _as_int(1, 10_000),
    "sftp_login_window": _as_float(1.0),
    "http_host": _as_str,
    "http_port": _as_int(0, 65535),
    "workers_count": _as_int(0, 64),
    "workers_poll_interval": _as_float(0.01),
    "logging_level": _one_of("DEBUG", "INFO", "WARNING", "ERROR"),
    "logging_format": _one_of("auto", "json", "console"),
    "batches_enabled": _as_bool,
    "batches_start_date": _as_date,
    "batches_tick_seconds": _as_float(1.0),
    "batches_processes": _as_int(1, 64),
    "alerts_webhook_url": _as_url,
    "alerts_smtp_host": lambda value: _as_str(value).strip(),
    "alerts_smtp_port": _as_int(1, 65535),
    "alerts_smtp_from": _as_str,
    "alerts_smtp_to": _as_addresses,
    "alerts_interval": _as_float(1.0),
    "alerts_waiting_seconds": _as_float(1.0),
    "alerts_batch_grace": _as_float(0.0),
    "alerts_rejection_rate": _as_fraction,
    "alerts_rejection_window": _as_float(60.0),
    "alerts_rejection_min_files": _as_int(1, 1_000_000),
}


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"The settings file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"The settings file {path} is not valid TOML: {error}.") from None
    flat: dict[str, object] = {}
    for section, table in document.items():
        if not isinstance(table, dict):
            raise SettingsError(f"Setting '{section}' in {path} must be a [section].")
        for key, value in table.items():
            name = f"{section}_{key}"
            if name not in PARSERS:
                raise SettingsError(f"Setting '{section}.{key}' in {path} is not a known setting.")
            flat[name] = value
    return flat


def load_settings(
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build the settings from defaults, an optional file, `CARM_*` variables and explicit overrides."""
    environ = os.environ if environ is None else environ
    raw = _read_toml(DEFAULTS_FILE)
    file_name = config_file or (Path(environ["CARM_CONFIG"]) if environ.get("CARM_CONFIG") else None)
    if file_name is not None:
        raw.update(_read_toml(file_name))
    for name in PARSERS:
        variable = ENV_PREFIX + name.upper()
        if variable in environ:
            raw[name] = environ[variable]
    raw.update({name: value for name, value in (overrides or {}).items() if value is not None})
    return Settings(**{field.name: _parse(field.name, raw) for field in fields(Settings)})


def _parse(name: str, raw: Mapping[str, object]) -> Any:
    section, _, key = name.partition("_")
    if name not in raw:
        raise SettingsError(f"Setting '{section}.{key}' is missing.")
    try:
        return PARSERS[name](raw[name])
    except ValueError as error:
        variable = ENV_PREFIX + name.upper()
        raise SettingsError(f"Setting '{section}.{key}' ({variable}) {error}, got {raw[name]!r}.") from None
