"""Hours summary: posted hours given, summed per month, kept as transfers post.

The reports read whole months of hours given from ``hours_summary`` instead of summing
every transfer of the period. This revision creates the table, fills it from the
transfers already posted (session and training transfers, less their reversals), and
indexes coaching sessions by start for the impact report's partial months.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

HOURS_KINDS = ('session', 'training')


def upgrade():
    op.create_table(
        'hours_summary',
        sa.Column('posted_month', sa.Date(), nullable=False),
        sa.Column('given_month', sa.Date(), nullable=False),
        sa.Column('giver_account_id', sa.Integer(), nullable=False),
        sa.Column('receiver_account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('transfers', sa.Integer(), nullable=False),
        sa.Column('reversals', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('session', 'training')",
                           name=op.f('ck_hours_summary_hours_kind')),
        sa.ForeignKeyConstraint(['giver_account_id'], ['accounts.id'],
                                name=op.f('fk_hours_summary_giver_account_id_accounts')),
        sa.ForeignKeyConstraint(['receiver_account_id'], ['accounts.id'],
                                name=op.f('fk_hours_summary_receiver_account_id_accounts')),
        sa.PrimaryKeyConstraint('posted_month', 'given_month', 'giver_account_id',
                                'receiver_account_id', 'kind', 'source_id',
                                name=op.f('pk_hours_summary')),
    )
    op.create_index('ix_coaching_sessions_starts_at', 'coaching_sessions', ['starts_at'],
                    unique=False)
    _backfill()


def downgrade():
    op.drop_index('ix_coaching_sessions_starts_at', table_name='coaching_sessions')
    op.drop_table('hours_summary')


def _backfill():
    """Sum the posted transfers into the summary, as ``hexqi.services.ledger_summary`` does
    one transfer at a time: the month posted, the month given (the session's or event's
    start, else the month posted), giver, receiver, kind and source (match or event)."""
    if op.get_bind().dialect.name == 'postgresql':
        def month(column):
            return sa.cast(sa.func.date_trunc('month', column), sa.Date)
    else:
        def month(column):
            return sa.func.strftime('%Y-%m-01', column)

    def transfers(name):
        return sa.table(
            'transfers', sa.column('id', sa.Integer), sa.column('kind', sa.String),
            sa.column('debit_account_id', sa.Integer), sa.column('credit_account_id', sa.Integer),
            sa.column('minutes', sa.Integer), sa.column('created_at', sa.DateTime),
            sa.column('pending_id', sa.Integer), sa.column('training_event_id', sa.Integer),
            sa.column('reverses_id', sa.Integer)).alias(name)

    pending = sa.table('pending_transfers', sa.column('id', sa.Integer),
                       sa.column('session_id', sa.Integer))
    sessions = sa.table('coaching_sessions', sa.column('id', sa.Integer),
                        sa.column('match_id', sa.Integer), sa.column('starts_at', sa.DateTime))
    events = sa.table('training_events', sa.column('id', sa.Integer),
                      sa.column('starts_at', sa.DateTime))
    summary = sa.table(
        'hours_summary', sa.column('posted_month', sa.Date), sa.column('given_month', sa.Date),
        sa.column('giver_account_id', sa.Integer), sa.column('receiver_account_id', sa.Integer),
        sa.column('kind', sa.String), sa.column('source_id', sa.Integer),
        sa.column('minutes', sa.Integer), sa.column('transfers', sa.Integer),
        sa.column('reversals', sa.Integer))

    def branch(t, source, giver, receiver, sign):
        """One row per transfer; ``source`` is the transfer whose session or event counts."""
        session = source.c.kind == 'session'
        query = (
            sa.select(
                month(t.c.created_at).label('posted_month'),
                month(sa.case(
                    (session, sa.func.coalesce(sessions.c.starts_at, source.c.created_at)),
                    else_=sa.func.coalesce(events.c.starts_at, source.c.created_at)))
                .label('given_month'),
                giver.label('giver_account_id'), receiver.label('receiver_account_id'),
                source.c.kind.label('kind'),
                sa.case((session, sa.func.coalesce(sessions.c.match_id, 0)),
                        else_=sa.func.coalesce(source.c.training_event_id, 0))
                .label('source_id'),
                (sign * t.c.minutes).label('minutes'),
                sa.literal(1 if sign > 0 else 0).label('transfers'),
                sa.literal(0 if sign > 0 else 1).label('reversals'))
            .select_from(t)
        )
        if source is not t:
            query = query.join(source, source.c.id == t.c.reverses_id)
        return (query
                .outerjoin(pending, pending.c.id == source.c.pending_id)
                .outerjoin(sessions, sessions.c.id == pending.c.session_id)
                .outerjoin(events, events.c.id == source.c.training_event_id)
                .where(source.c.kind.in_(HOURS_KINDS)))

    plain = transfers('t')
    reversal, original = transfers('r'), transfers('o')
    rows = sa.union_all(
        branch(plain, plain, plain.c.credit_account_id, plain.c.debit_account_id, 1),
        branch(reversal, original, reversal.c.debit_account_id, reversal.c.credit_account_id,
               -1).where(reversal.c.kind == 'reversal'),
    ).subquery('rows')
    keys = [rows.c.posted_month, rows.c.given_month, rows.c.giver_account_id,
            rows.c.receiver_account_id, rows.c.kind, rows.c.source_id]
    op.execute(summary.insert().from_select(
        [*(k.name for k in keys), 'minutes', 'transfers', 'reversals'],
        sa.select(*keys, sa.func.sum(rows.c.minutes), sa.func.sum(rows.c.transfers),
                  sa.func.sum(rows.c.reversals))
        .group_by(*keys)))
