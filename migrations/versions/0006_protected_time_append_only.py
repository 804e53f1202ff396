"""Protected time approvals are append-only: the database refuses to change or remove one.

Like posted transfers, the approvals history is a record: a change of approval is a new row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

MESSAGE = 'protected time approvals are append-only: approve again instead'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION hexqi_approvals_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql")
        op.execute(
            "CREATE TRIGGER protected_time_approvals_append_only BEFORE UPDATE OR DELETE "
            "ON protected_time_approvals "
            "FOR EACH ROW EXECUTE FUNCTION hexqi_approvals_append_only()")
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER protected_time_approvals_no_{event.lower()} BEFORE {event} "
                f"ON protected_time_approvals BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS protected_time_approvals_append_only "
                   "ON protected_time_approvals")
        op.execute("DROP FUNCTION IF EXISTS hexqi_approvals_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS protected_time_approvals_no_update")
        op.execute("DROP TRIGGER IF EXISTS protected_time_approvals_no_delete")
