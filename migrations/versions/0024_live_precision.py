"""Live routing precision: outcomes per model version, thresholds the monitor raised (issue 17).

``routing_outcomes`` holds one row per automatically routed item once a staff decision settled whether
the route was right; ``routing_threshold_raises`` the thresholds the monitor raised (append-only, also
the record of each raise). The triage queue's uncertainty order reads the margin between the model's
two best suggestions from an expression index over the queue's items.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: Union[str, None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MARGIN_SQL = (
    "(coalesce(CAST(routing_suggestions->0->>'confidence' AS double precision), routing_confidence)"
    " - coalesce(CAST(routing_suggestions->1->>'confidence' AS double precision), 0))"
)
"""As `suara.submissions.models.ROUTING_MARGIN_SQL`: the expression the queue orders by, so the index serves it."""


def upgrade() -> None:
    op.create_table(
        'routing_outcomes',
        sa.Column('submission_id', sa.BigInteger(), sa.ForeignKey('submissions.id'), primary_key=True,
                  autoincrement=False),
        sa.Column('model_version', sa.String(length=200), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id'), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('outcome', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=False),
        sa.Column('decided_by', sa.String(length=100), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_routing_outcomes_window', 'routing_outcomes',
                    ['model_version', 'decided_at', 'submission_id'], postgresql_include=['correct', 'confidence'])
    op.create_index('ix_routing_outcomes_decided', 'routing_outcomes', ['decided_at'])
    op.create_table(
        'routing_threshold_raises',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('model_version', sa.String(length=200), nullable=False),
        sa.Column('threshold_before', sa.Float(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('window_outcomes', sa.Integer(), nullable=False),
        sa.Column('window_correct', sa.Integer(), nullable=False),
        sa.Column('lower_bound', sa.Float(), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_routing_threshold_raises_version', 'routing_threshold_raises', ['model_version', 'threshold'])
    op.create_index('ix_submissions_triage_uncertainty', 'submissions', [sa.text(MARGIN_SQL), 'id'],
                    postgresql_where=sa.text("status IN ('received', 'in_triage')"))


def downgrade() -> None:
    op.drop_index('ix_submissions_triage_uncertainty', table_name='submissions')
    op.drop_index('ix_routing_threshold_raises_version', table_name='routing_threshold_raises')
    op.drop_table('routing_threshold_raises')
    op.drop_index('ix_routing_outcomes_decided', table_name='routing_outcomes')
    op.drop_index('ix_routing_outcomes_window', table_name='routing_outcomes')
    op.drop_table('routing_outcomes')
