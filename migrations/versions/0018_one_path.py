"""One state-change path and a lean submit (issue 16): no schema change was needed (the filing
statement and the event recorder use the existing tables); kept so the revision chain stays as released.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 23:00:00
"""
from typing import Sequence, Union

revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
