"""Fixtures of the fault tests: the store's system at the fixture data's business date, registered."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from domain.clock import FixedClock
from gateway.bootstrap import System
from tests.gateway.cad_files import register

JUNE_20 = dt.datetime(2025, 6, 20, 16, 0, tzinfo=dt.UTC)  # the daemons run with CARM_GATEWAY_TODAY=2025-06-20


@pytest.fixture
def registered(system: System) -> System:
    """The broker, the importer, the fixture tariff and rates on the test's store; the clock at JUNE_20."""
    at_june_20 = dataclasses.replace(system, clock=FixedClock(JUNE_20))
    register(at_june_20)
    return at_june_20
