"""Agency-level routing: the names agencies go by (issue 17).

Citizens, SMS and data sources name agencies by short forms ("DPU BINMAR CIPKA", "PLN Distribusi
JatengDIY"); each agency keeps them in ``aliases``. The agencies the directory lacked (PDAB Tirta
Utama, Bank Jateng, Biro Umum, Kanwil DJP, RSUP Kariadi, …) and every agency's aliases come from
`src/suara/agencies/directory.json` with `suara seed` (which fills aliases only where still empty).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('agencies', sa.Column('aliases', postgresql.ARRAY(sa.String()), nullable=False,
                                        server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('agencies', 'aliases')
