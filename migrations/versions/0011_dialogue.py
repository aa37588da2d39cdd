"""Public dialogue: consultations, sections, comments and reactions, complaint evidence, polls with
ballots, proposals with supports, and phone verifications (all people stored as keyed hashes only).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 09:32:48.828672
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('phone_verifications',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('phone_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ip_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_phone_verifications_ip', 'phone_verifications', ['ip_hash', 'created_at'], unique=False)
    op.create_index('ix_phone_verifications_phone', 'phone_verifications', ['phone_hash', 'created_at'], unique=False)
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_report', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consultations_agency_id'), 'consultations', ['agency_id'], unique=False)
    op.create_table('consultation_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
    sa.Column('tracking_codes', postgresql.ARRAY(sa.String()), nullable=True),
    sa.Column('submission_count', sa.Integer(), nullable=False),
    sa.Column('attached_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['category_slug'], ['categories.slug'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consultation_evidence_consultation_id'), 'consultation_evidence', ['consultation_id'], unique=False)
    op.create_table('consultation_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consultation_sections_consultation_id'), 'consultation_sections', ['consultation_id'], unique=False)
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('multiple_choice', sa.Boolean(), nullable=False),
    sa.Column('results_live', sa.Boolean(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_polls_agency_id'), 'polls', ['agency_id'], unique=False)
    op.create_index(op.f('ix_polls_consultation_id'), 'polls', ['consultation_id'], unique=False)
    op.create_table('consultation_comments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('author_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('agree_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('disagree_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hidden_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['section_id'], ['consultation_sections.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_consultation_comments_consultation', 'consultation_comments', ['consultation_id', 'id'], unique=False)
    op.create_table('poll_ballots',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('option_ids', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('changes', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ),
    sa.PrimaryKeyConstraint('poll_id', 'voter_hash')
    )
    op.create_table('poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('vote_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_poll_options_poll_id'), 'poll_options', ['poll_id'], unique=False)
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('category_slug', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('support_threshold', sa.Integer(), nullable=False),
    sa.Column('support_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('submission_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.ForeignKeyConstraint(['category_slug'], ['categories.slug'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_proposals_agency_id'), 'proposals', ['agency_id'], unique=False)
    op.create_index('ix_proposals_status_deadline', 'proposals', ['status', 'deadline'], unique=False)
    op.create_table('comment_reactions',
    sa.Column('comment_id', sa.BigInteger(), nullable=False),
    sa.Column('voter_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reaction', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comments.id'], ),
    sa.PrimaryKeyConstraint('comment_id', 'voter_hash')
    )
    op.create_table('proposal_supports',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('voter_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], ),
    sa.PrimaryKeyConstraint('proposal_id', 'voter_hash')
    )


def downgrade() -> None:
    op.drop_table('proposal_supports')
    op.drop_table('comment_reactions')
    op.drop_index('ix_proposals_status_deadline', table_name='proposals')
    op.drop_index(op.f('ix_proposals_agency_id'), table_name='proposals')
    op.drop_table('proposals')
    op.drop_index(op.f('ix_poll_options_poll_id'), table_name='poll_options')
    op.drop_table('poll_options')
    op.drop_table('poll_ballots')
    op.drop_index('ix_consultation_comments_consultation', table_name='consultation_comments')
    op.drop_table('consultation_comments')
    op.drop_index(op.f('ix_polls_consultation_id'), table_name='polls')
    op.drop_index(op.f('ix_polls_agency_id'), table_name='polls')
    op.drop_table('polls')
    op.drop_index(op.f('ix_consultation_sections_consultation_id'), table_name='consultation_sections')
    op.drop_table('consultation_sections')
    op.drop_index(op.f('ix_consultation_evidence_consultation_id'), table_name='consultation_evidence')
    op.drop_table('consultation_evidence')
    op.drop_index(op.f('ix_consultations_agency_id'), table_name='consultations')
    op.drop_table('consultations')
    op.drop_index('ix_phone_verifications_phone', table_name='phone_verifications')
    op.drop_index('ix_phone_verifications_ip', table_name='phone_verifications')
    op.drop_table('phone_verifications')
