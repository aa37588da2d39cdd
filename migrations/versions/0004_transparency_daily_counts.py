"""Daily counters per agency for the public transparency figures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 05:33:21.935361
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('agency_daily_counts',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('span', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('agency_id', 'span', 'day', 'metric')
    )


def downgrade() -> None:
    op.drop_table('agency_daily_counts')
