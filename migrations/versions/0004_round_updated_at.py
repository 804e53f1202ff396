"""Matching rounds: when each round last changed (status or progress).

A queued or running round whose worker died stops blocking new rounds, and can be marked failed
by a system lead, once it has not changed for a while; a re-run round counts from its re-run,
not from when it was first created.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild): SQLite cannot rebuild a table that other rows
    # point at while foreign keys are enforced. The constant default only fills existing rows
    # until the UPDATE below; new rows get their time from the application.
    op.add_column('matching_rounds', sa.Column(
        'updated_at', sa.DateTime(), nullable=False,
        server_default=sa.text("'1970-01-01 00:00:00'")))
    op.execute("UPDATE matching_rounds SET updated_at = created_at")


def downgrade():
    op.drop_column('matching_rounds', 'updated_at')
