"""Map grid cells and indexes for nearby and public map queries (issue 18).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
