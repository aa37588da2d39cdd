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
    # A namespace prefix ("open311:<key id>:") in front of a 128-character client key.
    for table in ('submissions', 'submission_supports'):
        op.alter_column(table, 'idempotency_key', type_=sa.String(length=200),
                        existing_type=sa.String(length=128), existing_nullable=True)
    # Keys written before this revision were global. SMS and proposal keys stay internal only on rows
    # those channels filed; every other key (a client's, or one a client used to claim an internal
    # key) goes to the client namespace.
    op.execute("UPDATE submissions SET idempotency_key = CASE "
               "WHEN channel = 'sms' AND idempotency_key LIKE 'sms:%' THEN idempotency_key "
               "WHEN channel = 'proposal' AND idempotency_key LIKE 'proposal-%' "
               "THEN 'proposal:' || substr(idempotency_key, 10) "
               "ELSE 'client:' || idempotency_key END "
               "WHERE idempotency_key IS NOT NULL")
    op.execute("UPDATE submission_supports SET idempotency_key = 'client:' || idempotency_key "
               "WHERE idempotency_key IS NOT NULL")
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
    # The ~100 m cells of public positions (suara.submissions.precision): counting an item's
    # neighbours reads this index instead of every located submission.
    op.execute("CREATE INDEX ix_submissions_public_cell ON submissions "
               "(round(latitude::numeric, 3), round(longitude::numeric, 3)) "
               "WHERE confidential = false AND latitude IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_submissions_public_cell")
    op.drop_index('ix_rate_limit_hits_bucket', table_name='rate_limit_hits')
    op.drop_table('rate_limit_hits')
    op.drop_column('reporter_contacts', 'phone_verified')
    op.execute("UPDATE submission_supports SET idempotency_key = substr(idempotency_key, 8) "
               "WHERE idempotency_key LIKE 'client:%'")
    op.execute("UPDATE submissions SET idempotency_key = CASE "
               "WHEN idempotency_key LIKE 'client:%' THEN substr(idempotency_key, 8) "
               "WHEN idempotency_key LIKE 'proposal:%' THEN 'proposal-' || substr(idempotency_key, 10) "
               "ELSE idempotency_key END "
               "WHERE idempotency_key IS NOT NULL")
    # Keys longer than the old width (namespaced Open311 keys) cannot go back; they lose their key.
    for table in ('submissions', 'submission_supports'):
        op.execute(f"UPDATE {table} SET idempotency_key = NULL WHERE length(idempotency_key) > 128")
        op.alter_column(table, 'idempotency_key', type_=sa.String(length=128),
                        existing_type=sa.String(length=200), existing_nullable=True)
    op.drop_column('submissions', 'idempotency_fingerprint')
