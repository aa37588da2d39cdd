"""The pure disclosure-control functions: which cells to hide, and how per-item rows are coarsened."""

from __future__ import annotations

import random
from collections import Counter

from suara.transparency.disclosure import Relation, generalise, protect, table_relations

TOTAL = "all"


def table(rows: dict[str, dict[str, int]]) -> tuple[dict, list[Relation]]:
    """Cells of a rows × keys table plus its total row, and the relations an attacker can subtract with."""
    keys = sorted({key for row in rows.values() for key in row} | {"unknown"})  # as the queries do
    values = {(row, key): count for row, cells in rows.items() for key, count in cells.items()}
    for key in keys:
        values[(TOTAL, key)] = sum(cells.get(key, 0) for cells in rows.values())
    return values, table_relations(sorted(rows), keys, TOTAL)


def recoverable(values: dict, hidden: set, relations: list[Relation]) -> set:
    """Hidden cells an attacker computes from one relation: total minus the shown members."""
    found = set()
    for relation in relations:
        unknown = [cell for cell in relation.members if cell in hidden]
        if len(unknown) == 1:
            found.add(unknown[0])
        elif unknown and relation.total not in hidden and sum(values.get(cell, 0) for cell in unknown) == 0:
            found.update(unknown)  # hidden parts that must all be 0
    return found


def test_a_small_cell_alone_in_its_row_hides_the_smallest_other_cell():
    values, relations = table({"dinas-a": {"33.01": 2, "33.02": 9, "33.03": 40}, "dinas-b": {"33.02": 20, "33.03": 30}})
    hidden = protect(values, relations)
    assert ("dinas-a", "33.01") in hidden and ("dinas-a", "33.02") in hidden  # 9 is the smallest other
    assert ("dinas-a", "33.03") not in hidden
    assert not recoverable(values, hidden, relations)


def test_a_hidden_cell_is_covered_in_its_column_and_in_the_total_row():
    values, relations = table({"dinas-a": {"33.01": 2, "33.02": 9}, "dinas-b": {"33.01": 30, "33.02": 20}})
    hidden = protect(values, relations)
    # Column 33.01: 2 hidden, so another member of the column (the total 32 or dinas-b's 30) is hidden too.
    column = [cell for cell in [("dinas-a", "33.01"), ("dinas-b", "33.01"), (TOTAL, "33.01")] if cell in hidden]
    assert len(column) >= 2
    assert not recoverable(values, hidden, relations)


def test_a_row_with_one_small_key_hides_a_zero_cell_so_the_row_total_does_not_give_it_away():
    values, relations = table({"dinas-a": {"33.01": 3}, "dinas-b": {"33.01": 40, "33.02": 25}})
    hidden = protect(values, relations)
    assert ("dinas-a", "33.01") in hidden and ("dinas-a", "33.02") in hidden
    assert not recoverable(values, hidden, relations)


def test_cells_of_5_or_more_and_tables_without_small_cells_stay_exact():
    values, relations = table({"dinas-a": {"33.01": 5, "33.02": 9}, "dinas-b": {"33.01": 7, "33.02": 20}})
    assert protect(values, relations) == set()


def test_zero_cells_are_not_primary_but_hidden_zeros_never_sum_to_a_known_zero():
    values = {"a": 0, "b": 0, "c": 12, "d": 3}
    hidden = protect(values, [Relation(("a", "b", "c", "d"))])
    assert "d" in hidden and "c" in hidden and "a" not in hidden  # a non-zero partner, not a zero one
    # A zero hidden to cover a cell gets a non-zero partner in its column, so it is never a known 0.
    values, relations = table({"x": {"k1": 2}, "y": {"k3": 7}})
    hidden = protect(values, relations)
    assert ("x", "k3") in hidden and len({("y", "k3"), ("all", "k3")} & hidden) == 1
    assert not recoverable(values, hidden, relations)


def test_protection_holds_on_random_sparse_tables():
    rng = random.Random(14)
    for _ in range(200):
        rows = {f"agency-{r}": {f"33.{k:02d}": rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 30])
                                for k in range(rng.randint(1, 6))} for r in range(rng.randint(1, 5))}
        rows = {row: {key: value for key, value in cells.items() if value} for row, cells in rows.items()}
        values, relations = table(rows)
        hidden = protect(values, relations)
        assert all(cell in hidden for cell, value in values.items() if 0 < value < 5)
        assert not recoverable(values, hidden, relations), rows


def test_generalise_blanks_the_region_then_the_category_then_drops_until_every_group_has_five():
    groups = Counter({("33.01", "jalan", "2026-11"): 6, ("33.02", "jalan", "2026-11"): 2,
                      ("33.03", "jalan", "2026-11"): 3, ("33.04", "air", "2026-11"): 1,
                      ("33.05", "listrik", "2026-10"): 4})
    steps = [lambda g: ("", g[1], g[2]), lambda g: (g[0], "", g[2])]
    placed = generalise(groups, steps)
    assert placed[("33.01", "jalan", "2026-11")] == ("33.01", "jalan", "2026-11")
    assert placed[("33.02", "jalan", "2026-11")] == ("", "jalan", "2026-11")  # 2 + 3 rows together
    assert placed[("33.03", "jalan", "2026-11")] == ("", "jalan", "2026-11")
    assert placed[("33.04", "air", "2026-11")] is None  # alone even as ("", "", "2026-11")
    assert placed[("33.05", "listrik", "2026-10")] is None
    published = Counter()
    for group, target in placed.items():
        if target is not None:
            published[target] += groups[group]
    assert min(published.values()) >= 5
