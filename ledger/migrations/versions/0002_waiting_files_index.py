"""A partial index of the files waiting for a worker, in claim order.

`Queue.claim_next` asks for the first waiting file by id; with only ix_inbound_file_queue the planners of
both stores walked the primary key from the first file ever received, passing over every answered one, so
each claim cost more as the table grew. The partial index holds the waiting files alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WAITING = sa.text("status IN ('RECEIVED', 'HELD')")


def upgrade() -> None:
    op.create_index(
        "ix_inbound_file_waiting",
        "inbound_file",
        ["id"],
        unique=False,
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_file_waiting", table_name="inbound_file")
