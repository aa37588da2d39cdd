"""Agency-level routing: directory aliases, new agencies, live precision per model version (issue 17).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
