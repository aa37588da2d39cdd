"""Photos with a submission, their approval state (issue 18).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
