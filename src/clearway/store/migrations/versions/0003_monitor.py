"""List monitoring: the watchlist, re-screening baselines and alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlist",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("schema", sa.String(16), nullable=True),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "rescreen_baselines",
        sa.Column("target_kind", sa.String(32), primary_key=True),
        sa.Column("target_id", sa.String(100), primary_key=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("list_versions", sa.Text, nullable=False),
        sa.Column("screened_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("target_name", sa.String(1000), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("party", sa.String(1000), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("list_versions", sa.Text, nullable=False),
        sa.Column("audit_seq", sa.Integer, nullable=True),
        sa.Column("delivery", sa.String(16), nullable=False, server_default=""),
    )
    op.create_index("ix_alerts_at", "alerts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_at", "alerts")
    op.drop_table("alerts")
    op.drop_table("rescreen_baselines")
    op.drop_table("watchlist")
