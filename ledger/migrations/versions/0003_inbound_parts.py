"""An inbound file's bytes as parts, so a large upload is stored while it arrives.

The SFTP server read a whole upload back from its temporary file at the client's CLOSE and inserted it in one
row: for a 50 MB file that CLOSE cost a third of the upload. Now the bytes are rows of `inbound_part` in
`seq` order, stored part by part during the upload, and CLOSE stores only the last one. `inbound_file.raw`
goes (one way to hold bytes): each file's raw becomes its part 0. Dropping a column keeps the table, so its
indexes — ix_inbound_file_queue, ix_inbound_file_processed_at and the partial ix_inbound_file_waiting —
stay as they are (on SQLite a plain ALTER TABLE DROP COLUMN, not a copy of the table).

The downgrade puts the parts back together in `raw` and drops the uploads still arriving (UPLOADING: their
bytes were never acknowledged). On SQLite the restored column stays nullable: making it NOT NULL there means
copying the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_part",
        sa.Column("file_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["inbound_file.id"], name=op.f("fk_inbound_part_file_id_inbound_file")
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_inbound_part")),
    )
    op.execute("INSERT INTO inbound_part (file_id, seq, data) SELECT id, 0, raw FROM inbound_file")
    with op.batch_alter_table("inbound_file", recreate="never") as batch_op:
        batch_op.drop_column("raw")


def downgrade() -> None:
    uploading = "SELECT id FROM inbound_file WHERE status = 'UPLOADING'"
    op.execute(f"DELETE FROM inbound_part WHERE file_id IN ({uploading})")
    op.execute("DELETE FROM inbound_file WHERE status = 'UPLOADING'")
    with op.batch_alter_table("inbound_file", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    parts = sa.table("inbound_part", sa.column("file_id"), sa.column("seq"), sa.column("data"))
    files = sa.table("inbound_file", sa.column("id"), sa.column("raw"))
    for file_id in connection.execute(sa.select(parts.c.file_id).distinct()).scalars().all():
        query = sa.select(parts.c.data).where(parts.c.file_id == file_id).order_by(parts.c.seq)
        raw = b"".join(bytes(data) for data in connection.execute(query).scalars())
        connection.execute(sa.update(files).where(files.c.id == file_id).values(raw=raw))
    if connection.dialect.name == "postgresql":
        op.alter_column("inbound_file", "raw", nullable=False)
    op.drop_table("inbound_part")
