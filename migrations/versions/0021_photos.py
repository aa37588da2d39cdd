"""Photos with a submission, their approval state (issue 18).

The files live under $SUARA_HOME/media; this table holds their unguessable names and whether the
public may see them (pending until the handling agency approves, hidden when it takes one back).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'submission_photos',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('submission_id', sa.BigInteger(), sa.ForeignKey('submissions.id'), nullable=False),
        sa.Column('file_name', sa.String(length=64), nullable=False, unique=True),
        sa.Column('thumbnail_name', sa.String(length=64), nullable=False, unique=True),
        sa.Column('source_digest', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('byte_size', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('added_by', sa.String(length=40), nullable=False),
        sa.Column('reviewed_by', sa.String(length=40), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'approved', 'hidden')", name='ck_submission_photos_state'),
        sa.UniqueConstraint('submission_id', 'source_digest', name='uq_submission_photos_source'),
    )
    op.create_index('ix_submission_photos_submission', 'submission_photos', ['submission_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_submission_photos_submission', table_name='submission_photos')
    op.drop_table('submission_photos')
