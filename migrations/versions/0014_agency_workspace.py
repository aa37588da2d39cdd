"""Agency workspace: one-time passwords and disabled accounts, assignment and duplicates on
submissions, answer templates, service-level changes, the back-office audit log, digest claims.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 20:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('must_change_password', sa.Boolean(), server_default=sa.text('false'),
                                     nullable=False))
    op.add_column('staff', sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('assigned_staff_id', sa.Integer(), nullable=True))
    op.create_foreign_key('submissions_assigned_staff_id_fkey', 'submissions', 'staff', ['assigned_staff_id'], ['id'])
    op.add_column('submissions', sa.Column('duplicate_of_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key('submissions_duplicate_of_id_fkey', 'submissions', 'submissions', ['duplicate_of_id'], ['id'])
    op.create_index('ix_submissions_agency_assignee', 'submissions', ['agency_id', 'assigned_staff_id'])
    # Words in the inbox filter: core full-text search, language-neutral ('simple'), same expression as the query.
    op.execute("CREATE INDEX ix_submissions_text_search ON submissions "
               "USING gin (to_tsvector('simple', coalesce(title, '') || ' ' || \"text\"))")
    op.create_table(
        'answer_templates',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.String(), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_answer_templates_agency_id', 'answer_templates', ['agency_id'])
    op.create_table(
        'service_level_changes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('first_response_days', sa.Integer(), nullable=False),
        sa.Column('information_request_days', sa.Integer(), nullable=False),
        sa.Column('resolution_days', sa.Integer(), nullable=False),
        sa.Column('resolution_with_field_check_days', sa.Integer(), nullable=False),
        sa.Column('changed_by', sa.Integer(), sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_service_level_changes_agency_id', 'service_level_changes', ['agency_id'])
    op.create_table(
        'staff_audit',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('target', sa.String(length=120), nullable=True),
        sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_staff_audit_agency_created', 'staff_audit', ['agency_id', 'created_at'])
    op.create_table(
        'staff_digest_runs',
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff.id', ondelete='CASCADE'), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('staff_id', 'local_date'),
    )


def downgrade() -> None:
    op.drop_table('staff_digest_runs')
    op.drop_index('ix_staff_audit_agency_created', table_name='staff_audit')
    op.drop_table('staff_audit')
    op.drop_index('ix_service_level_changes_agency_id', table_name='service_level_changes')
    op.drop_table('service_level_changes')
    op.drop_index('ix_answer_templates_agency_id', table_name='answer_templates')
    op.drop_table('answer_templates')
    op.drop_index('ix_submissions_text_search', table_name='submissions')
    op.drop_index('ix_submissions_agency_assignee', table_name='submissions')
    op.drop_constraint('submissions_duplicate_of_id_fkey', 'submissions', type_='foreignkey')
    op.drop_column('submissions', 'duplicate_of_id')
    op.drop_constraint('submissions_assigned_staff_id_fkey', 'submissions', type_='foreignkey')
    op.drop_column('submissions', 'assigned_staff_id')
    op.drop_column('staff', 'disabled_at')
    op.drop_column('staff', 'must_change_password')
