"""Agency workspace: staff accounts, sign-in sessions, API tokens, the outbox, deadline columns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:23:56.650204
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_index(op.f('ix_staff_agency_id'), 'staff', ['agency_id'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_api_tokens_staff_id'), 'api_tokens', ['staff_id'], unique=False)
    op.create_table('staff_sessions',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_staff_sessions_staff_id'), 'staff_sessions', ['staff_id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_due', 'outbox', ['state', 'next_attempt_at'], unique=False)
    op.add_column('submissions', sa.Column('field_check', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('submissions', sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('first_response_escalated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('resolution_escalated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_submissions_agency_inbox', 'submissions', ['agency_id', 'due_at', 'id'], unique=False)
    op.create_index(
        'ix_submissions_triage_queue', 'submissions', ['created_at', 'id'], unique=False,
        postgresql_where=sa.text("status IN ('received', 'in_triage')"),
    )


def downgrade() -> None:
    op.drop_index('ix_submissions_triage_queue', table_name='submissions')
    op.drop_index('ix_submissions_agency_inbox', table_name='submissions')
    op.drop_column('submissions', 'due_at')
    op.drop_column('submissions', 'resolution_escalated_at')
    op.drop_column('submissions', 'first_response_escalated_at')
    op.drop_column('submissions', 'closed_at')
    op.drop_column('submissions', 'resolved_at')
    op.drop_column('submissions', 'first_responded_at')
    op.drop_column('submissions', 'resolution_due_at')
    op.drop_column('submissions', 'first_response_due_at')
    op.drop_column('submissions', 'routed_at')
    op.drop_column('submissions', 'field_check')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_staff_sessions_staff_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    op.drop_index(op.f('ix_api_tokens_staff_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index(op.f('ix_staff_agency_id'), table_name='staff')
    op.drop_table('staff')
