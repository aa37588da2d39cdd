"""The pure disclosure-control functions: which cells to hide, and how per-item rows are coarsened."""

from __future__ import annotations

import random
from collections import Counter

from suara.transparency.disclosure import (
    Relation,
    generalise,
    protect,
    protect_table,
    table_relations,
)

TOTAL = "all"


def table(rows: dict[str, dict[str, int]]) -> tuple[dict, list[Relation], set]:
    """Cells of a rows × keys table plus its total row, the relations an attacker can subtract with, and
    the cells `protect_table` hides; rows without items are left out and "unknown" is a column, as in
    the queries."""
    rows = {row: cells for row, cells in rows.items() if any(cells.values())}
    keys = sorted({key for row in rows.values() for key in row} | {"unknown"})
    values = {(row, key): count for row, cells in rows.items() for key, count in cells.items()}
    for key in keys:
        values[(TOTAL, key)] = sum(cells.get(key, 0) for cells in rows.values())
    return values, table_relations(sorted(rows), keys, TOTAL), protect_table(values, sorted(rows), keys, TOTAL)


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
    values, relations, hidden = table({"dinas-a": {"33.01": 2, "33.02": 9, "33.03": 40}, "dinas-b": {"33.02": 20, "33.03": 30}})
    assert ("dinas-a", "33.01") in hidden and ("dinas-a", "33.02") in hidden  # 9 is the smallest other
    assert ("dinas-a", "33.03") not in hidden
    assert not recoverable(values, hidden, relations)


def test_a_hidden_cell_is_covered_in_its_column_and_in_the_total_row():
    values, relations, hidden = table({"dinas-a": {"33.01": 2, "33.02": 9}, "dinas-b": {"33.01": 30, "33.02": 20}})
    # Column 33.01: 2 hidden, so another member of the column (the total 32 or dinas-b's 30) is hidden too.
    column = [cell for cell in [("dinas-a", "33.01"), ("dinas-b", "33.01"), (TOTAL, "33.01")] if cell in hidden]
    assert len(column) >= 2
    assert not recoverable(values, hidden, relations)


def test_a_row_with_one_small_key_hides_a_zero_cell_so_the_row_total_does_not_give_it_away():
    values, relations, hidden = table({"dinas-a": {"33.01": 3}, "dinas-b": {"33.01": 40, "33.02": 25}})
    assert ("dinas-a", "33.01") in hidden and ("dinas-a", "33.02") in hidden
    assert not recoverable(values, hidden, relations)


def test_cells_of_5_or_more_and_tables_without_small_cells_stay_exact():
    values, relations, hidden = table({"dinas-a": {"33.01": 5, "33.02": 9}, "dinas-b": {"33.01": 7, "33.02": 20}})
    assert hidden == set() and protect(values, relations) == set()


def test_zero_cells_are_not_primary_but_hidden_zeros_never_sum_to_a_known_zero():
    values = {"a": 0, "b": 0, "c": 12, "d": 3}
    hidden = protect(values, [Relation(("a", "b", "c", "d"))])
    assert "d" in hidden and "c" in hidden and "a" not in hidden  # a non-zero partner, not a zero one
    # A zero hidden to cover a cell gets a non-zero partner in its column, so it is never a known 0.
    values, relations, hidden = table({"x": {"k1": 2}, "y": {"k3": 7}})
    assert ("x", "k3") in hidden
    assert not recoverable(values, hidden, relations)


def test_protection_holds_on_random_sparse_tables():
    rng = random.Random(14)
    for _ in range(200):
        rows = {f"agency-{r}": {f"33.{k:02d}": rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 30])
                                for k in range(rng.randint(1, 6))} for r in range(rng.randint(1, 5))}
        rows = {row: {key: value for key, value in cells.items() if value} for row, cells in rows.items()}
        values, relations, hidden = table(rows)
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


def ranges(rows: dict, values: dict, relations: list[Relation], hidden: set) -> dict:
    """The strongest subtraction: every relation at once, counts non-negative (linear programming);
    the lowest and highest value each hidden cell can take."""
    import numpy as np
    from scipy.optimize import linprog

    cells = sorted(hidden)
    index = {cell: i for i, cell in enumerate(cells)}
    totals = {row: sum(counts.values()) for row, counts in rows.items()}
    totals[TOTAL] = sum(totals.values())
    equations, constants = [], []
    for relation in relations:
        coefficients = np.zeros(len(cells))
        constant = float(totals[relation.parts[0][0]]) if relation.total is None else 0.0
        if relation.total is not None:
            if relation.total in index:
                coefficients[index[relation.total]] -= 1
            else:
                constant += values.get(relation.total, 0)
        for cell in relation.parts:
            if cell in index:
                coefficients[index[cell]] += 1
            else:
                constant -= values.get(cell, 0)
        if coefficients.any():
            equations.append(coefficients)
            constants.append(constant)
    found = {}
    for cell, i in index.items():
        objective = np.zeros(len(cells))
        objective[i] = 1
        low = linprog(objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status == 0
        found[cell] = (low.fun, -high.fun)
    return found


def test_a_cell_fixed_only_by_combining_rows_and_columns_gets_a_cycle_of_hidden_cells():
    # Per row and column every hidden cell has a partner, yet agency-3's two cells joined two separate
    # groups of hidden cells (a bridge): summing the equations gave 1 and 4 exactly before the cycle rule.
    rows = {"a0": {"k0": 6, "k2": 1}, "a1": {"k0": 1, "k2": 9, "k3": 9}, "a2": {"k1": 30, "k3": 30},
            "a3": {"k0": 1, "k1": 30, "k3": 4}, "a4": {"k0": 4, "k1": 30, "k2": 9}, "a5": {"k1": 5, "k3": 4}}
    values, relations, hidden = table(rows)
    assert not recoverable(values, protect(values, relations), relations)  # row and column alone: fine
    for low, high in ranges(rows, values, relations, hidden).values():
        assert high - low > 0.5


def test_no_hidden_cell_is_pinned_even_by_linear_programming_over_all_relations_together():
    rng = random.Random(4)
    checked = 0
    for _ in range(50):
        rows = {f"agency-{r}": {f"33.{k:02d}": rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 30])
                                for k in range(rng.randint(1, 7))} for r in range(rng.randint(1, 6))}
        rows = {row: {key: value for key, value in cells.items() if value} for row, cells in rows.items()}
        values, relations, hidden = table(rows)
        if not hidden:
            continue
        for cell, (low, high) in ranges(rows, values, relations, hidden).items():
            assert high - low > 0.5, (rows, cell)  # the attacker is left with a range, not a value
            checked += 1
    assert checked > 80
