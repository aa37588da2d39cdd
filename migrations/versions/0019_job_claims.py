"""Background jobs run once across processes (issue 16): no table was needed (each job takes a
transaction-scoped advisory lock); kept so the revision chain stays as released.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
