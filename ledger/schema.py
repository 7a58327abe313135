"""The database schema, as SQLAlchemy Core tables (ledger layer).

One schema for SQLite (the embedded default) and PostgreSQL (production); Alembic migrations in
`ledger/migrations/` create it and a test proves the two agree. Money is integer cents (BIGINT); rates and
percentages are exact decimals stored as text-free NUMERIC. The journal tables are append-only (see
`ledger.journal` and the triggers of the first migration). Every table that grows with traffic carries the
importer account it belongs to where it has one, so the store can later be sharded by account (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite rowid aliasing needs INTEGER PRIMARY KEY
Timestamp = DateTime(timezone=True)
# An importer account (BN15) that batches read in ranges: compared in binary order on every store, so a
# range of accounts (`ledger.statements.AccountRange`) is a range of the indexes on it. PostgreSQL's "C"
# collation; SQLite compares text in binary order already.
Account = String(15).with_variant(String(15, collation="C"), "postgresql")


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored `Timestamp` as an aware datetime: SQLite keeps no offset and hands back the UTC wall time
    (every instant the gateway stores is in UTC: domain.clock, gateway.clock)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


broker = Table(
    "broker",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sender_id", String(35), nullable=False, unique=True),
    Column("bn15", String(15), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

broker_key = Table(
    "broker_key",
    metadata,
    Column("id", Id, primary_key=True),
    Column("broker_id", ForeignKey("broker.id"), nullable=False, index=True),
    Column("key_type", String(40), nullable=False),
    Column("key_data", Text, nullable=False),  # base64 of the public key blob, as in authorized_keys
    Column("fingerprint", String(100), nullable=False, unique=True),  # SHA256:... of the blob
    Column("comment", String(200), nullable=False, server_default=""),
    Column("added_at", Timestamp, nullable=False),
)

importer = Table(
    "importer",
    metadata,
    Column("id", Id, primary_key=True),
    Column("bn15", Account, nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("province", String(2), nullable=True),
    Column("created_at", Timestamp, nullable=False),
)

delegation = Table(
    "delegation",
    metadata,
    Column("id", Id, primary_key=True),
    Column("importer_id", ForeignKey("importer.id"), nullable=False),
    Column("broker_id", ForeignKey("broker.id"), nullable=False, index=True),
    Column("may_file", Boolean, nullable=False),
    Column("receives_statements", Boolean, nullable=False),
    Column("granted_at", Timestamp, nullable=False),
    UniqueConstraint("importer_id", "broker_id"),
    # DOMAIN.md: an importer names at most one broker to receive its daily notices and statements.
    Index(
        "uq_delegation_statements_recipient",
        "importer_id",
        unique=True,
        sqlite_where=text("receives_statements"),
        postgresql_where=text("receives_statements"),
    ),
)

tariff_edition = Table(
    "tariff_edition",
    metadata,
    Column("id", Id, primary_key=True),
    Column("edition", String(20), nullable=False, unique=True),
    Column("sequence", Integer, nullable=False, unique=True),
    Column("effective", Date, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
)

tariff_treatment = Table(
    "tariff_treatment",
    metadata,
    Column("id", Id, primary_key=True),
    Column("edition_id", ForeignKey("tariff_edition.id"), nullable=False),
    Column("code", String(3), nullable=False),
    Column("name", String(20), nullable=False),
    # Space-separated ISO 3166-1 alpha-2 codes; empty = any origin (MIG.md §6).
    Column("countries", Text, nullable=False, server_default=""),
    UniqueConstraint("edition_id", "code"),
)

tariff_item = Table(
    "tariff_item",
    metadata,
    Column("id", Id, primary_key=True),
    Column("edition_id", ForeignKey("tariff_edition.id"), nullable=False),
    Column("number", String(10), nullable=False),
    Column("uom", String(3), nullable=True),
    Column("description", Text, nullable=False),
    Column("effective", Date, nullable=False),
    Column("expires", Date, nullable=True),
    UniqueConstraint("edition_id", "number"),
    Index("ix_tariff_item_number_effective", "number", "effective"),
)

tariff_rate = Table(
    "tariff_rate",
    metadata,
    Column("id", Id, primary_key=True),
    Column("item_id", ForeignKey("tariff_item.id"), nullable=False),
    Column("treatment", String(3), nullable=False),
    Column("free", Boolean, nullable=False, server_default=text("false")),
    Column("ad_valorem", Numeric(9, 4), nullable=True),  # percent
    Column("specific", Numeric(14, 6), nullable=True),  # CAD per unit of measure
    Column("minimum", Numeric(14, 6), nullable=True),  # CAD per unit of measure
    Column("maximum", Numeric(14, 6), nullable=True),  # CAD per unit of measure
    Column("effective", Date, nullable=True),  # null = the item's effective date
    Column("expires", Date, nullable=True),
    UniqueConstraint("item_id", "treatment", "effective"),
)

exchange_rate = Table(
    "exchange_rate",
    metadata,
    Column("rate_date", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("cad_per_unit", Numeric(18, 8), nullable=False),
)

interest_rate = Table(
    "interest_rate",
    metadata,
    Column("quarter_start", Date, primary_key=True),
    Column("prescribed_percent", Numeric(7, 4), nullable=False),
)

inbound_file = Table(
    "inbound_file",
    metadata,
    Column("id", Id, primary_key=True),
    Column("broker_id", ForeignKey("broker.id"), nullable=False),
    Column("filename", String(100), nullable=False),
    # The bytes are the rows of inbound_part; size and sha256 are theirs, known once the upload is stored.
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    # UPLOADING → RECEIVED → PROCESSING → DONE, or HELD (infrastructure error, retried after next_attempt_at).
    Column("status", String(12), nullable=False),
    Column("outcome", String(12), nullable=True),  # accepted, rejected, duplicate, partial
    Column("control_reference", String(14), nullable=True),
    Column("interchange_sender", String(35), nullable=True),  # UNB sender as received
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # When the upload was stored (the client's CLOSE); while UPLOADING, when its latest part was stored, so
    # `Files.abandon_stale_uploads` can tell an upload whose daemon died from one still arriving.
    Column("received_at", Timestamp, nullable=False),
    Column("claimed_at", Timestamp, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("next_attempt_at", Timestamp, nullable=True),
    Column("processed_at", Timestamp, nullable=True),
    Column("last_error", Text, nullable=True),
    # How many CAD messages the processing accepted and rejected (null until processed): `status`.
    Column("cads_accepted", Integer, nullable=True),
    Column("cads_rejected", Integer, nullable=True),
    # The file this one is an operator's replay of (`queue replay`); its parts are a copy of that one's.
    Column("replay_of", ForeignKey("inbound_file.id"), nullable=True),
    Index("ix_inbound_file_queue", "status", "next_attempt_at", "id"),
    Index("ix_inbound_file_processed_at", "processed_at"),  # `status`: the last 24 hours' outcomes
)

# The files waiting for a worker alone, in claim order: `Queue.claim_next` reads the first of them instead
# of walking, in id order, every file ever answered (the table keeps them all). The query must name the
# statuses as literals, as here, for either store to use a partial index.
WAITING_STATUSES = ("RECEIVED", "HELD")  # ledger.files.FileStatus: stored, or held for a retry
_waiting = inbound_file.c.status.in_(WAITING_STATUSES)
Index("ix_inbound_file_waiting", inbound_file.c.id, postgresql_where=_waiting, sqlite_where=_waiting)

# The bytes of an inbound file: its parts in `seq` order, from 0. A file stored whole has one part; a large
# upload is stored part by part while it arrives (gateway.sftp.filesystem), its last part with the status
# RECEIVED in the transaction that acknowledges it. Until then the file is UPLOADING and nobody reads them.
inbound_part = Table(
    "inbound_part",
    metadata,
    Column("file_id", ForeignKey("inbound_file.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

interchange_seen = Table(
    "interchange_seen",
    metadata,
    # MIG.md §1: the same (sender, control reference) seen before is a duplicate (CONTRL code 26).
    Column("sender_id", String(35), primary_key=True),
    Column("control_reference", String(14), primary_key=True),
    Column("inbound_file_id", ForeignKey("inbound_file.id"), nullable=False),
)

cad_version = Table(
    "cad_version",
    metadata,
    Column("id", Id, primary_key=True),
    Column("transaction_number", String(14), nullable=False),
    Column("version", Integer, nullable=False),
    Column("function", String(10), nullable=False),  # original, replace, cancel
    Column("importer_bn15", Account, nullable=False, index=True),
    Column("broker_id", ForeignKey("broker.id"), nullable=False),
    Column("inbound_file_id", ForeignKey("inbound_file.id"), nullable=False),
    Column("message_reference", String(14), nullable=False),
    Column("status", String(20), nullable=False),  # accepted, under review, cancelled
    Column("release_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("content_sha256", String(64), nullable=False),  # validators.context.cad_digest
    # What this version's assessment comes to per kind (its totals, not the difference it posted).
    Column("duty_cents", BigInteger, nullable=False),
    Column("gst_cents", BigInteger, nullable=False),
    Column("excise_cents", BigInteger, nullable=False),
    Column("sima_cents", BigInteger, nullable=False),
    # The lines a replace must restate: JSON [[line number, invoice number, invoice line], ...].
    Column("lines", Text, nullable=False),
    Column("received_at", Timestamp, nullable=False),
    UniqueConstraint("transaction_number", "version"),
)

journal_entry = Table(
    "journal_entry",
    metadata,
    Column("id", Id, primary_key=True),
    # The importer RM account whose hash chain the entry belongs to; seq numbers that chain from 1.
    Column("account", Account, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("reference", String(60), nullable=False, server_default=""),
    Column("description", String(200), nullable=False, server_default=""),
    Column("posted_at", Timestamp, nullable=False),
    Column("content_sha256", String(64), nullable=False),  # JournalEntry.content_digest(), for idempotency
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    UniqueConstraint("account", "seq"),
    Index("ix_journal_entry_business_date", "business_date", "account"),
)

journal_line = Table(
    "journal_line",
    metadata,
    Column("id", Id, primary_key=True),
    Column("entry_id", ForeignKey("journal_entry.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("ledger_account", String(40), nullable=False),
    Column("debit_cents", BigInteger, nullable=False),
    Column("credit_cents", BigInteger, nullable=False),
    CheckConstraint(
        "debit_cents >= 0 AND credit_cents >= 0 AND (debit_cents = 0 OR credit_cents = 0)",
        name="one_side",
    ),
    UniqueConstraint("entry_id", "line_no"),
)

outbound_file = Table(
    "outbound_file",
    metadata,
    Column("id", Id, primary_key=True),
    Column("broker_id", ForeignKey("broker.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(12), nullable=False),  # contrl, cusres, dn, soa, rpp
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("inbound_file_id", ForeignKey("inbound_file.id"), nullable=True, index=True),
    Column("created_at", Timestamp, nullable=False),
    Column("deleted_at", Timestamp, nullable=True),  # the broker removed it from its outbox after reading
    UniqueConstraint("broker_id", "name"),
)

batch_run = Table(
    "batch_run",
    metadata,
    Column("id", Id, primary_key=True),
    Column("job", String(40), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # running, succeeded, failed
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=True),
    Column("detail", Text, nullable=True),
    UniqueConstraint("job", "business_date", "attempt"),
)
