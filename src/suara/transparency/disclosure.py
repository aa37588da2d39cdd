"""Statistical disclosure control for published figures: small cells and the rows that could reveal them.

Pure functions, no database: `protect` chooses which cells of linked tables to hide (primary and
complementary suppression), `generalise` coarsens per-item rows until each shares its identifying
values with at least k others (k-anonymity).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

SMALL_CELL = 5
"""Cells based on fewer items than this are hidden; so are per-item rows shared by fewer items."""

Cell = TypeVar("Cell", bound=Hashable)
Group = TypeVar("Group", bound=Hashable)


@dataclass(frozen=True)
class Relation:
    """An additive link an attacker can subtract with: ``total = sum(parts)``.

    ``total`` is None when the total is published elsewhere and never hidden (an agency's `received`,
    the platform's grand total); otherwise it is a cell of its own that may be hidden too.
    """

    parts: tuple[Hashable, ...]
    total: Hashable | None = None

    @property
    def members(self) -> tuple[Hashable, ...]:
        return self.parts if self.total is None else (*self.parts, self.total)


def protect(values: Mapping[Cell, int], relations: Sequence[Relation], threshold: int = SMALL_CELL) -> set[Cell]:
    """The cells to hide so that no hidden cell can be computed from one relation.

    Primary: every cell with 0 < value < threshold. Complementary, repeated until nothing changes:
    a relation with exactly one hidden member hides a second one, the smallest other non-zero cell
    (a zero only when no non-zero one is left), so the difference between the total and the shown
    cells is shared by two unknowns; and a relation whose published total leaves its hidden parts
    summing to 0 (which would pin them all to 0) hides a non-zero part too. Cells missing from
    ``values`` count as 0. The result is deterministic: ties go to the earlier member of the relation.
    """
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}

    def pick(candidates: Sequence[Hashable], nonzero_only: bool = False) -> Hashable | None:
        order = [(values.get(cell, 0) == 0, values.get(cell, 0), index, cell)
                 for index, cell in enumerate(candidates) if cell not in hidden]
        if nonzero_only:
            order = [item for item in order if not item[0]]
        return min(order, key=lambda item: item[:3])[3] if order else None

    changed = True
    while changed:
        changed = False
        for relation in relations:
            shown_total = relation.total is None or relation.total not in hidden
            hidden_parts = [cell for cell in relation.parts if cell in hidden]
            count = len(hidden_parts) + (0 if shown_total else 1)
            extra = None
            if count == 1:
                extra = pick(relation.members)
            elif shown_total and hidden_parts and sum(values.get(cell, 0) for cell in hidden_parts) == 0:
                extra = pick(relation.parts, nonzero_only=True)
                if extra is None:
                    extra = relation.total  # all parts are 0: leave the total unknown instead
            if extra is not None and extra not in hidden:
                hidden.add(extra)
                changed = True
    return hidden


def table_relations(rows: Sequence[Hashable], keys: Sequence[Hashable], total_row: Hashable) -> list[Relation]:
    """Relations of a rows × keys table with a published total per row, a total row of cells
    (``(total_row, key)``, themselves hideable) and a published grand total."""
    relations = [Relation(tuple((row, key) for key in keys)) for row in (*rows, total_row)]
    relations += [Relation(tuple((row, key) for row in rows), total=(total_row, key)) for key in keys]
    return relations


def generalise(groups: Mapping[Group, int], steps: Sequence[Callable[[Group], Group]],
               k: int = SMALL_CELL) -> dict[Group, Group | None]:
    """Where each group of per-item rows is published: itself, a coarser group, or None (dropped).

    ``groups`` counts rows per combination of identifying values. Groups of fewer than k rows take
    the next step (e.g. blank the region, then the category) and may merge with others; groups still
    under k after the last step are dropped, so every published combination occurs at least k times.
    """
    placed: dict[Group, Group] = {group: group for group in groups}
    for step in steps:
        sizes: Counter[Group] = Counter()
        for group, target in placed.items():
            sizes[target] += groups[group]
        placed = {group: (step(target) if sizes[target] < k else target) for group, target in placed.items()}
    sizes = Counter()
    for group, target in placed.items():
        sizes[target] += groups[group]
    return {group: (target if sizes[target] >= k else None) for group, target in placed.items()}
