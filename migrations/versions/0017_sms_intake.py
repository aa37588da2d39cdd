"""SMS intake that answers at once: queued raw messages, per-phone order, dead letters (issue 16).

The webhook stores each gateway message once (``sms_inbound`` keyed by the gateway's message id)
and answers; workers run the conversation later. Rows received before this revision were already
processed, so they become ``done``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('sms_inbound', sa.Column('phone', sa.String(length=20), nullable=True))
    op.add_column('sms_inbound', sa.Column('text', sa.String(), nullable=True))
    op.add_column('sms_inbound', sa.Column('part_reference', sa.String(length=32), nullable=True))
    op.add_column('sms_inbound', sa.Column('part_number', sa.Integer(), nullable=True))
    op.add_column('sms_inbound', sa.Column('part_total', sa.Integer(), nullable=True))
    # Existing rows were processed by the old synchronous webhook: they are done.
    op.add_column('sms_inbound', sa.Column('state', sa.String(length=8), server_default='done', nullable=False))
    op.alter_column('sms_inbound', 'state', server_default='queued')
    op.add_column('sms_inbound', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('sms_inbound', sa.Column('last_error', sa.String(), nullable=True))
    op.add_column('sms_inbound', sa.Column('next_attempt_at', sa.DateTime(timezone=True),
                                           server_default=sa.func.now(), nullable=False))
    op.add_column('sms_inbound', sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint('ck_sms_inbound_state', 'sms_inbound', "state IN ('queued', 'done', 'dead')")
    # The worker's claim: queued rows in arrival order, and "is there an older queued one of this phone?".
    op.create_index('ix_sms_inbound_queued', 'sms_inbound', ['id'], postgresql_where=sa.text("state = 'queued'"))
    op.create_index('ix_sms_inbound_queued_phone', 'sms_inbound', ['phone', 'id'],
                    postgresql_where=sa.text("state = 'queued'"))
    op.create_index('ix_sms_inbound_dead', 'sms_inbound', ['id'], postgresql_where=sa.text("state = 'dead'"))


def downgrade() -> None:
    op.drop_index('ix_sms_inbound_dead', table_name='sms_inbound')
    op.drop_index('ix_sms_inbound_queued_phone', table_name='sms_inbound')
    op.drop_index('ix_sms_inbound_queued', table_name='sms_inbound')
    op.drop_constraint('ck_sms_inbound_state', 'sms_inbound', type_='check')
    for column in ('processed_at', 'next_attempt_at', 'last_error', 'attempts', 'state', 'part_total',
                   'part_number', 'part_reference', 'text', 'phone'):
        op.drop_column('sms_inbound', column)
