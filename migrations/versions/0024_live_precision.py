"""Live routing precision: outcomes per model version, thresholds the monitor raised (issue 17).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

revision: str = '0024'
down_revision: Union[str, None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
