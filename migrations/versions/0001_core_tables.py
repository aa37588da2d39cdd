"""Core tables: agencies, categories, submissions, reporter contacts, the event log.

The event log is append-only: a trigger refuses UPDATE and DELETE on it.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 04:05:19.490012
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('short_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('first_response_days', sa.Integer(), nullable=False),
    sa.Column('information_request_days', sa.Integer(), nullable=False),
    sa.Column('resolution_days', sa.Integer(), nullable=False),
    sa.Column('resolution_with_field_check_days', sa.Integer(), nullable=False),
    sa.Column('contact_address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_agencies_slug'), 'agencies', ['slug'], unique=True)
    op.create_table('categories',
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('label_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('default_agency_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['default_agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('submissions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tracking_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('public_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('location_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('routing_confidence', sa.Float(), nullable=True),
    sa.Column('routing_model_version', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('routing_suggestions', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['category_slug'], ['categories.slug'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('tracking_code')
    )
    op.create_index('ix_submissions_agency_status', 'submissions', ['agency_id', 'status'], unique=False)
    op.create_index('ix_submissions_status_created', 'submissions', ['status', 'created_at'], unique=False)
    op.create_table('reporter_contacts',
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nik', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.create_table('submission_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status_before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status_after', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('public', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_submission_events_submission', 'submission_events', ['submission_id', 'id'], unique=False)
    op.execute(
        """
        CREATE FUNCTION suara_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'submission_events is append-only';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER submission_events_append_only BEFORE UPDATE OR DELETE ON submission_events "
        "FOR EACH ROW EXECUTE FUNCTION suara_refuse_event_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER submission_events_append_only ON submission_events")
    op.execute("DROP FUNCTION suara_refuse_event_change()")
    op.drop_index('ix_submission_events_submission', table_name='submission_events')
    op.drop_table('submission_events')
    op.drop_table('reporter_contacts')
    op.drop_index('ix_submissions_status_created', table_name='submissions')
    op.drop_index('ix_submissions_agency_status', table_name='submissions')
    op.drop_table('submissions')
    op.drop_table('categories')
    op.drop_index(op.f('ix_agencies_slug'), table_name='agencies')
    op.drop_table('agencies')
