"""Poll tallies and proposal supports without a hot row (issue 16).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
