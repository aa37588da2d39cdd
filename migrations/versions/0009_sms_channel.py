"""The SMS channel: gateway message ids seen, reply numbers, opt-outs, parts of long messages.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 07:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sms_inbound',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('gateway_message_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('command', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('submission_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gateway_message_id')
    )
    op.create_table('sms_threads',
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.create_index(op.f('ix_sms_threads_phone'), 'sms_threads', ['phone'], unique=False)
    op.create_table('sms_opt_outs',
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )
    op.create_table('sms_parts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('part_number', sa.Integer(), nullable=False),
    sa.Column('total_parts', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone', 'reference', 'part_number')
    )
    op.create_index('ix_outbox_recipient_created', 'outbox', ['recipient', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_recipient_created', table_name='outbox')
    op.drop_table('sms_parts')
    op.drop_table('sms_opt_outs')
    op.drop_index(op.f('ix_sms_threads_phone'), table_name='sms_threads')
    op.drop_table('sms_threads')
    op.drop_table('sms_inbound')
