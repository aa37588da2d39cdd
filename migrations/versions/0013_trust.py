"""Trust: namespaced idempotency keys with a payload fingerprint, verified reporter phones, and
time-bucketed rate-limit rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('submissions', sa.Column('idempotency_fingerprint', sa.String(length=64), nullable=True))
    # Keys written before this revision were global; put them in the client namespace.
    op.execute("UPDATE submissions SET idempotency_key = 'client:' || idempotency_key "
               "WHERE idempotency_key IS NOT NULL AND idempotency_key NOT LIKE 'sms:%' "
               "AND idempotency_key NOT LIKE 'proposal-%'")
    op.add_column('reporter_contacts', sa.Column(
        'phone_verified', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_table(
        'rate_limit_hits',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('bucket_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False, server_default=sa.text('0')),
        sa.PrimaryKeyConstraint('key', 'bucket_start'),
    )
    op.create_index('ix_rate_limit_hits_bucket', 'rate_limit_hits', ['bucket_start'])


def downgrade() -> None:
    op.drop_index('ix_rate_limit_hits_bucket', table_name='rate_limit_hits')
    op.drop_table('rate_limit_hits')
    op.drop_column('reporter_contacts', 'phone_verified')
    op.execute("UPDATE submissions SET idempotency_key = substr(idempotency_key, 8) "
               "WHERE idempotency_key LIKE 'client:%'")
    op.drop_column('submissions', 'idempotency_fingerprint')
