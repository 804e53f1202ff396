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
    with op.batch_alter_table('matching_rounds') as batch:
        batch.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE matching_rounds SET updated_at = created_at")
    with op.batch_alter_table('matching_rounds') as batch:
        batch.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('matching_rounds') as batch:
        batch.drop_column('updated_at')
