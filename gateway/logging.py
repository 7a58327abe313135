"""Logging: structlog for our events, with the standard library's loggers (paramiko, SQLAlchemy,
APScheduler) rendered by the same processor chain (gateway layer).

JSON lines when stdout is not a terminal (a daemon under systemd, CI), a readable console otherwise.
Tracebacks never carry local variables: they could hold file contents or keys.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(*, level: str = "INFO", output_format: str = "auto") -> None:
    """Route structlog and the standard library's logging to stdout in one format."""
    as_json = output_format == "json" or (output_format == "auto" and not sys.stdout.isatty())
    renderer: Any
    if as_json:
        renderer = structlog.processors.JSONRenderer()
        final: list[Any] = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            renderer,
        ]
    else:
        renderer = structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        final = [renderer]
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED_PROCESSORS,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("paramiko.transport", "sqlalchemy.engine", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger bound to `name`; events are named `noun.past_verb`."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
