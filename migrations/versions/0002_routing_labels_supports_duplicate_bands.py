"""Routing labels (people's routing decisions), supports, and MinHash bands for duplicates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:18:17.797490
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('routing_labels',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('previous_category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['category_slug'], ['categories.slug'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_routing_labels_submission_id'), 'routing_labels', ['submission_id'], unique=False)
    op.create_table('submission_supports',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index(op.f('ix_submission_supports_submission_id'), 'submission_supports', ['submission_id'], unique=False)
    op.add_column('submissions', sa.Column('support_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('submissions', sa.Column('duplicate_bands', postgresql.ARRAY(sa.BigInteger()), nullable=True))
    op.create_index('ix_submissions_duplicate_bands', 'submissions', ['duplicate_bands'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_submissions_duplicate_bands', table_name='submissions', postgresql_using='gin')
    op.drop_column('submissions', 'duplicate_bands')
    op.drop_column('submissions', 'support_count')
    op.drop_index(op.f('ix_submission_supports_submission_id'), table_name='submission_supports')
    op.drop_table('submission_supports')
    op.drop_index(op.f('ix_routing_labels_submission_id'), table_name='routing_labels')
    op.drop_table('routing_labels')
