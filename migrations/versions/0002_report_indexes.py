"""Report indexes: transfers by kind and posting time.

The reports find the period's few donations, training transfers and reversals by kind;
without this index each of those lookups reads every transfer of the period.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_transfers_kind_created_at', 'transfers', ['kind', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_transfers_kind_created_at', table_name='transfers')
