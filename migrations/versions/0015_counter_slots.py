"""Counters spread over slots so concurrent writers never queue on one row (issue 16).

Every counter row gets a ``slot`` in its key; the rows that exist become slot 0, so every figure reads
the same as before. Writers add to a slot no other open transaction holds (`suara.submissions.counting.apply`),
readers sum over the slots, and a job folds them back into slot 0 (found by a partial index on slot > 0).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('agency_daily_counts', sa.Column('slot', sa.SmallInteger(), server_default=sa.text('0'),
                                                   nullable=False))
    op.drop_constraint('agency_daily_counts_pkey', 'agency_daily_counts', type_='primary')
    op.create_primary_key('agency_daily_counts_pkey', 'agency_daily_counts',
                          ['agency_id', 'span', 'day', 'metric', 'slot'])
    op.create_index('ix_agency_daily_counts_spread', 'agency_daily_counts', ['slot'],
                    postgresql_where=sa.text('slot > 0'))


def downgrade() -> None:
    op.drop_index('ix_agency_daily_counts_spread', table_name='agency_daily_counts')
    # Fold every counter back into one row before the slot leaves the key.
    op.execute("""
        CREATE TEMPORARY TABLE folded_counts AS
        SELECT agency_id, span, day, metric, sum(value)::bigint AS value
        FROM agency_daily_counts GROUP BY agency_id, span, day, metric
    """)
    op.execute("DELETE FROM agency_daily_counts")
    op.drop_constraint('agency_daily_counts_pkey', 'agency_daily_counts', type_='primary')
    op.drop_column('agency_daily_counts', 'slot')
    op.execute("INSERT INTO agency_daily_counts (agency_id, span, day, metric, value) "
               "SELECT agency_id, span, day, metric, value FROM folded_counts")
    op.execute("DROP TABLE folded_counts")
    op.create_primary_key('agency_daily_counts_pkey', 'agency_daily_counts', ['agency_id', 'span', 'day', 'metric'])
