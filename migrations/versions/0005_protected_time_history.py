"""Protected time history: every approval of a coach's protected time, kept month by month.

Until now only the current approval was kept (``coach_profiles.approved_hours``). This revision
creates ``protected_time_approvals`` (rows are only ever added) and carries each current
approval over as one row: approved by nobody recorded, at the coach's ``people.created_at``
(the only time kept for a coach before this revision), for the coach's organisation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'protected_time_approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Integer(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('hours >= 0',
                           name=op.f('ck_protected_time_approvals_hours_not_negative')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_protected_time_approvals_person_id_people')),
        sa.ForeignKeyConstraint(
            ['organisation_id'], ['organisations.id'],
            name=op.f('fk_protected_time_approvals_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['approved_by_id'], ['people.id'],
                                name=op.f('fk_protected_time_approvals_approved_by_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_protected_time_approvals')),
    )
    op.create_index('ix_protected_time_approvals_organisation_id_approved_at',
                    'protected_time_approvals', ['organisation_id', 'approved_at'],
                    unique=False)
    op.create_index('ix_protected_time_approvals_person_id_approved_at',
                    'protected_time_approvals', ['person_id', 'approved_at'], unique=False)
    _backfill()


def downgrade():
    op.drop_index('ix_protected_time_approvals_person_id_approved_at',
                  table_name='protected_time_approvals')
    op.drop_index('ix_protected_time_approvals_organisation_id_approved_at',
                  table_name='protected_time_approvals')
    op.drop_table('protected_time_approvals')


def _backfill():
    """One row per coach profile with an approval: its hours, for the coach's organisation,
    at the time the coach's person row was created."""
    profiles = sa.table('coach_profiles', sa.column('person_id', sa.Integer),
                        sa.column('approved_hours', sa.Integer))
    people = sa.table('people', sa.column('id', sa.Integer),
                      sa.column('organisation_id', sa.Integer),
                      sa.column('created_at', sa.DateTime))
    approvals = sa.table('protected_time_approvals', sa.column('person_id', sa.Integer),
                         sa.column('organisation_id', sa.Integer),
                         sa.column('hours', sa.Integer), sa.column('approved_at', sa.DateTime))
    op.execute(approvals.insert().from_select(
        ['person_id', 'organisation_id', 'hours', 'approved_at'],
        sa.select(profiles.c.person_id, people.c.organisation_id, profiles.c.approved_hours,
                  people.c.created_at)
        .join(people, people.c.id == profiles.c.person_id)
        .where(profiles.c.approved_hours.is_not(None))
        .order_by(profiles.c.person_id)))
