"""Map grid cells and indexes for nearby and public map queries (issue 18).

PostgreSQL here has no PostGIS, so positions are also kept on a grid of integers: the ~100 m cell
(`round(latitude::numeric, 3)`, in thousandths of a degree) and the ~1 km cell (in hundredths), as
generated columns. `map_cells` counts the public (non-confidential, located) items of each ~100 m cell,
kept by a trigger on every path that files, moves, hides or deletes an item; the same trigger keeps
each item's `public_fine` (its cell holds at least 5 public items, so the public sees the ~100 m cell,
else the ~1 km one). Map and radius queries are then an index range scan over the integer cells.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MIN_ITEMS_PER_CELL = 5  # suara.submissions.precision.MIN_ITEMS_PER_CELL when this was written

SYNC_FUNCTION = f"""
CREATE FUNCTION suara_map_cells_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_counted boolean := TG_OP <> 'INSERT' AND OLD.cell_lat IS NOT NULL AND OLD.cell_lon IS NOT NULL
                           AND NOT OLD.confidential;
    new_counted boolean := TG_OP <> 'DELETE' AND NEW.cell_lat IS NOT NULL AND NEW.cell_lon IS NOT NULL
                           AND NOT NEW.confidential;
    items integer;
BEGIN
    IF old_counted AND new_counted AND OLD.cell_lat = NEW.cell_lat AND OLD.cell_lon = NEW.cell_lon THEN
        RETURN NULL;
    END IF;
    IF old_counted THEN
        UPDATE map_cells SET public_items = public_items - 1
         WHERE cell_lat = OLD.cell_lat AND cell_lon = OLD.cell_lon RETURNING public_items INTO items;
        UPDATE submissions SET public_fine = (items >= {MIN_ITEMS_PER_CELL})
         WHERE cell_lat = OLD.cell_lat AND cell_lon = OLD.cell_lon
           AND public_fine IS DISTINCT FROM (items >= {MIN_ITEMS_PER_CELL});
    END IF;
    IF new_counted THEN
        INSERT INTO map_cells AS cell (cell_lat, cell_lon, public_items) VALUES (NEW.cell_lat, NEW.cell_lon, 1)
        ON CONFLICT (cell_lat, cell_lon) DO UPDATE SET public_items = cell.public_items + 1
        RETURNING public_items INTO items;
    ELSIF TG_OP <> 'DELETE' AND NEW.cell_lat IS NOT NULL AND NEW.cell_lon IS NOT NULL THEN
        SELECT public_items INTO items FROM map_cells WHERE cell_lat = NEW.cell_lat AND cell_lon = NEW.cell_lon;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.cell_lat IS NOT NULL AND NEW.cell_lon IS NOT NULL THEN
        UPDATE submissions SET public_fine = (coalesce(items, 0) >= {MIN_ITEMS_PER_CELL})
         WHERE cell_lat = NEW.cell_lat AND cell_lon = NEW.cell_lon
           AND public_fine IS DISTINCT FROM (coalesce(items, 0) >= {MIN_ITEMS_PER_CELL});
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    for axis, column in (('lat', 'latitude'), ('lon', 'longitude')):
        op.add_column('submissions', sa.Column(
            f'cell_{axis}', sa.Integer(),
            sa.Computed(f"(round({column}::numeric, 3) * 1000)::integer", persisted=True), nullable=True))
        op.add_column('submissions', sa.Column(
            f'coarse_{axis}', sa.Integer(),
            sa.Computed(f"(round({column}::numeric, 2) * 100)::integer", persisted=True), nullable=True))
    op.add_column('submissions', sa.Column('public_fine', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'map_cells',
        sa.Column('cell_lat', sa.Integer(), nullable=False),
        sa.Column('cell_lon', sa.Integer(), nullable=False),
        sa.Column('public_items', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('cell_lat', 'cell_lon'),
    )
    op.execute("INSERT INTO map_cells (cell_lat, cell_lon, public_items) "
               "SELECT cell_lat, cell_lon, count(*) FROM submissions "
               "WHERE NOT confidential AND cell_lat IS NOT NULL AND cell_lon IS NOT NULL GROUP BY 1, 2")
    op.execute(f"UPDATE submissions SET public_fine = true FROM map_cells m "
               f"WHERE m.cell_lat = submissions.cell_lat AND m.cell_lon = submissions.cell_lon "
               f"AND m.public_items >= {MIN_ITEMS_PER_CELL}")
    op.execute(SYNC_FUNCTION)
    op.execute("CREATE TRIGGER submissions_map_cells AFTER INSERT OR DELETE OR UPDATE OF latitude, longitude, "
               "confidential ON submissions FOR EACH ROW EXECUTE FUNCTION suara_map_cells_sync()")
    # Map and radius queries: a range scan on the cell, answered from the index alone; the trigger
    # finds a cell's items through it too (so confidential ones are in it, filtered by the queries).
    op.execute("CREATE INDEX ix_submissions_map ON submissions (cell_lat, cell_lon) "
               "INCLUDE (confidential, public_fine, coarse_lat, coarse_lon, status, category_slug, created_at, id) "
               "WHERE cell_lat IS NOT NULL AND cell_lon IS NOT NULL")
    # map_cells now answers "how many public items share this cell" (suara.submissions.precision).
    op.execute("DROP INDEX IF EXISTS ix_submissions_public_cell")
    # Country and province views of the public map: public positions summed per coarse tile, rebuilt by the jobs.
    op.create_table(
        'map_tiles',
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('tile_lat', sa.Integer(), nullable=False),
        sa.Column('tile_lon', sa.Integer(), nullable=False),
        sa.Column('category_slug', sa.String(), nullable=False),  # '' for an item without a category
        sa.Column('status_group', sa.String(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('sum_lat', sa.BigInteger(), nullable=False),
        sa.Column('sum_lon', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('level', 'tile_lat', 'tile_lon', 'category_slug', 'status_group', 'month'),
    )


def downgrade() -> None:
    op.drop_table('map_tiles')
    op.execute("CREATE INDEX ix_submissions_public_cell ON submissions "
               "(round(latitude::numeric, 3), round(longitude::numeric, 3)) "
               "WHERE confidential = false AND latitude IS NOT NULL")
    op.execute("DROP INDEX IF EXISTS ix_submissions_map")
    op.execute("DROP TRIGGER IF EXISTS submissions_map_cells ON submissions")
    op.execute("DROP FUNCTION IF EXISTS suara_map_cells_sync()")
    op.drop_table('map_cells')
    op.drop_column('submissions', 'public_fine')
    for axis in ('lat', 'lon'):
        op.drop_column('submissions', f'coarse_{axis}')
        op.drop_column('submissions', f'cell_{axis}')
