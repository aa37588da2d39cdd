"""Poll tallies and proposal supports without a hot row (issue 16).

The count columns on ``poll_options`` and ``proposals`` made every voter of a popular poll (every
supporter of a popular proposal) queue on one row. The counts move to tally rows spread over slots,
summed when read; the present counts become slot 0, and a poll's voters are counted under option 0.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'poll_tallies',
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.SmallInteger(), nullable=False),
        sa.Column('votes', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['polls.id']),
        sa.PrimaryKeyConstraint('poll_id', 'option_id', 'slot'),
    )
    op.create_table(
        'proposal_tallies',
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.SmallInteger(), nullable=False),
        sa.Column('supports', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id']),
        sa.PrimaryKeyConstraint('proposal_id', 'slot'),
    )
    op.execute("""
        INSERT INTO poll_tallies (poll_id, option_id, slot, votes)
        SELECT poll_id, id, 0, vote_count FROM poll_options WHERE vote_count <> 0
    """)
    op.execute("""
        INSERT INTO poll_tallies (poll_id, option_id, slot, votes)
        SELECT poll_id, 0, 0, count(*) FROM poll_ballots GROUP BY poll_id
    """)
    op.execute("""
        INSERT INTO proposal_tallies (proposal_id, slot, supports)
        SELECT id, 0, support_count FROM proposals WHERE support_count <> 0
    """)
    op.drop_column('poll_options', 'vote_count')
    op.drop_column('proposals', 'support_count')


def downgrade() -> None:
    op.add_column('poll_options', sa.Column('vote_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('proposals', sa.Column('support_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.execute("""
        UPDATE poll_options o SET vote_count = t.votes
          FROM (SELECT option_id, sum(votes) AS votes FROM poll_tallies GROUP BY option_id) t
         WHERE o.id = t.option_id
    """)
    op.execute("""
        UPDATE proposals p SET support_count = t.supports
          FROM (SELECT proposal_id, sum(supports) AS supports FROM proposal_tallies GROUP BY proposal_id) t
         WHERE p.id = t.proposal_id
    """)
    op.drop_table('proposal_tallies')
    op.drop_table('poll_tallies')
