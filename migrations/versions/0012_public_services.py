"""Public services catalogue: each service's requirements, cost and processing time in Indonesian and
English, and submissions.service_slug for complaints filed about a service.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 09:59:20.368099
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('public_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('name_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('summary_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('summary_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requirements_id', postgresql.ARRAY(sa.String()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('requirements_en', postgresql.ARRAY(sa.String()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('cost_idr', sa.Integer(), nullable=True),
    sa.Column('cost_note_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('cost_note_en', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('processing_days', sa.Integer(), nullable=True),
    sa.Column('processing_note_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('processing_note_en', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('where_to_apply_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('where_to_apply_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['category_slug'], ['categories.slug'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_public_services_agency_id'), 'public_services', ['agency_id'], unique=False)
    op.create_index(op.f('ix_public_services_slug'), 'public_services', ['slug'], unique=True)
    op.add_column('submissions', sa.Column('service_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index(op.f('ix_submissions_service_slug'), 'submissions', ['service_slug'], unique=False)
    op.create_foreign_key('submissions_service_slug_fkey', 'submissions', 'public_services', ['service_slug'], ['slug'])


def downgrade() -> None:
    op.drop_constraint('submissions_service_slug_fkey', 'submissions', type_='foreignkey')
    op.drop_index(op.f('ix_submissions_service_slug'), table_name='submissions')
    op.drop_column('submissions', 'service_slug')
    op.drop_index(op.f('ix_public_services_slug'), table_name='public_services')
    op.drop_index(op.f('ix_public_services_agency_id'), table_name='public_services')
    op.drop_table('public_services')
