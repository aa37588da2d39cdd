"""Submissions remember whether their route is still the model's and since when they are overdue;
counters get an index by span and day so public reads never scan the whole history.

Both columns feed the transparency counters (routing accuracy, overdue now). Run
`suara stats rebuild` after upgrading a database that already holds history.

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-25 07:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('submissions', sa.Column('route_automatic', sa.Boolean(), server_default=sa.text('false'),
                                           nullable=False))
    op.add_column('submissions', sa.Column('overdue_since', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_agency_daily_counts_span_day', 'agency_daily_counts', ['span', 'day', 'agency_id', 'metric'],
                    postgresql_include=['value'])


def downgrade() -> None:
    op.drop_index('ix_agency_daily_counts_span_day', table_name='agency_daily_counts')
    op.drop_column('submissions', 'overdue_since')
    op.drop_column('submissions', 'route_automatic')
