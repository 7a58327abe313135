"""Builds the running system from settings (gateway layer): the engine, the clock and the unit-of-work
factory. Tests pass substitutes (a fixed clock, an engine on a throw-away schema) instead of patching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from domain.clock import Clock
from domain.holidays_ca import CanadianHolidays
from gateway.clock import SystemClock
from gateway.decisions import LatePenalty
from gateway.settings import Settings
from ledger.database import create_engine_for
from ledger.unit_of_work import SqlAlchemyUnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class System:
    settings: Settings
    engine: Engine
    clock: Clock

    @property
    def batch_processes(self) -> int:
        return self.settings.batches_processes

    @property
    def late_penalty(self) -> LatePenalty | None:
        """The C288 policy when the `gateway.late_accounting_penalty` setting asks for it."""
        return (
            LatePenalty(holidays=CanadianHolidays())
            if self.settings.gateway_late_accounting_penalty
            else None
        )

    def unit_of_work(self, *, immediate: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, self.clock, immediate=immediate)


def bootstrap(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    engine_factory: Callable[[str], Engine] = create_engine_for,
) -> System:
    """Wire the system; nothing connects until a unit of work is opened."""
    return System(
        settings=settings,
        engine=engine or engine_factory(settings.database_url),
        clock=clock or SystemClock(settings.zone, settings.gateway_today),
    )
