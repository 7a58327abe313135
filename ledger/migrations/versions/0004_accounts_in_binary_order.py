"""Importer accounts compared in binary order on PostgreSQL, so the batches can read a range of them by index.

The batches order and bound accounts in binary order (`ledger.statements`: `COLLATE "C"`), but the columns
had the database's default collation, whose indexes cannot answer a `COLLATE "C"` range: a batch reading
one range of accounts of a day's postings scanned the whole journal. The three account columns the batches
read in ranges — `journal_entry.account`, `importer.bn15`, `cad_version.importer_bn15` — now have the "C"
collation; changing only the collation of a varchar leaves the rows as they are and rebuilds the indexes on
the column (`uq_journal_entry_account_seq`, `ix_journal_entry_business_date`, `uq_importer_bn15`,
`ix_cad_version_importer_bn15`). Equality is the same in both collations: every lookup by account finds what
it found before. SQLite compares text in binary order already: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACCOUNT_COLUMNS = (("journal_entry", "account"), ("importer", "bn15"), ("cad_version", "importer_bn15"))


def upgrade() -> None:
    _collate('"C"')


def downgrade() -> None:
    _collate('"default"')


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in ACCOUNT_COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(15) COLLATE {collation}")
