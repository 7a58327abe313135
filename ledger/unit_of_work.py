"""The unit of work: one database transaction and the repositories that work inside it (ledger layer).

Everything a step writes — postings, file status, outbound files — goes through one `SqlAlchemyUnitOfWork`
and is committed together or not at all (the transactional outbox of DESIGN.md). A lost or refused
connection surfaces as `StoreUnavailable`, which callers treat as "retry later", never as a rejection.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy import exc as sa_exc

from domain.clock import Clock
from ledger.cads import CadVersions
from ledger.errors import StoreUnavailable
from ledger.files import Files
from ledger.journal import Journal
from ledger.parties import Parties
from ledger.queue import Queue
from ledger.reference import ReferenceData


class SqlAlchemyUnitOfWork:
    """A transaction on `engine`; `immediate=True` takes SQLite's write lock at BEGIN (queue claims)."""

    def __init__(self, engine: Engine, clock: Clock, *, immediate: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self._immediate = immediate
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        try:
            connection = self._engine.connect()
            if self._immediate and self._engine.dialect.name == "sqlite":
                connection = connection.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            self._transaction = connection.begin()
        except (sa_exc.OperationalError, sa_exc.InterfaceError) as error:
            raise StoreUnavailable(f"The database cannot be reached: {error.orig}.") from error
        self._connection = connection
        self.parties = Parties(connection, self._clock)
        self.journal = Journal(connection, self._clock)
        self.files = Files(connection, self._clock)
        self.queue = Queue(connection, self._clock)
        self.reference = ReferenceData(connection, self._clock)
        self.cads = CadVersions(connection, self._clock)
        return self

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._connection

    def commit(self) -> None:
        if self._transaction is not None:
            self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
            self.connection.close()
        except (sa_exc.OperationalError, sa_exc.InterfaceError):
            pass  # the connection is already gone; the original error below says why
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
            raise StoreUnavailable(f"The database went away: {exc.orig}.") from exc
