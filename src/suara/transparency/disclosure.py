"""Statistical disclosure control for published figures: small cells and the rows that could reveal them.

Pure functions, no database: `protect` chooses which cells of linked tables to hide (primary and
complementary suppression, one relation at a time), `protect_table` adds what a rows × keys table with
published totals needs so that not even all its equations together fix a hidden cell, and `generalise`
coarsens per-item rows until each shares its identifying values with at least k others (k-anonymity).
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


def protect(values: Mapping[Cell, int], relations: Sequence[Relation], threshold: int = SMALL_CELL,
            already: set[Cell] = frozenset()) -> set[Cell]:
    """The cells to hide so that no hidden cell can be computed from one relation.

    Primary: every cell with 0 < value < threshold. Complementary, repeated until nothing changes:
    a relation with exactly one hidden member hides a second one, the smallest other non-zero cell
    (a zero only when no non-zero one is left), so the difference between the total and the shown
    cells is shared by two unknowns; and a relation whose published total leaves its hidden parts
    summing to 0 (which would pin them all to 0) hides a non-zero part too. Cells missing from
    ``values`` count as 0. The result is deterministic: ties go to the earlier member of the relation.
    ``already`` are cells hidden for another reason, kept hidden.
    """
    hidden = {cell for cell, value in values.items() if 0 < value < threshold} | set(already)

    def pick(candidates: Sequence[Hashable], nonzero_only: bool = False) -> Hashable | None:
        order = [(values.get(cell, 0) == 0, values.get(cell, 0), index, cell)
                 for index, cell in enumerate(candidates) if cell not in hidden]
        if nonzero_only:
            order = [item for item in order if not item[0]]
        return min(order, key=lambda item: item[:3])[3] if order else None

    containing: dict[Hashable, list[Relation]] = {}
    for relation in relations:
        for cell in relation.members:
            containing.setdefault(cell, []).append(relation)
    pending = list(relations)  # relations to check; one is checked again whenever a member gets hidden
    while pending:
        relation = pending.pop()
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
            pending += containing[extra]
    return hidden


def table_relations(rows: Sequence[Hashable], keys: Sequence[Hashable], total_row: Hashable) -> list[Relation]:
    """Relations of a rows × keys table with a published total per row, a total row of cells
    (``(total_row, key)``, themselves hideable) and a published grand total."""
    relations = [Relation(tuple((row, key) for key in keys)) for row in (*rows, total_row)]
    relations += [Relation(tuple((row, key) for row in rows), total=(total_row, key)) for key in keys]
    return relations


def protect_table(values: Mapping[tuple, int], rows: Sequence[Hashable], keys: Sequence[Hashable],
                  total_row: Hashable, threshold: int = SMALL_CELL) -> set[tuple]:
    """`protect` for a rows × keys table with its total row, then no hidden cell left pinned.

    All the table's equations together (not one row or column at a time) pin a hidden cell exactly
    when no cycle of hidden cells (rows and columns as the nodes of a graph, hidden cells as its
    edges) can shift a little of it to the others and back, counts staying non-negative: a cell on no
    cycle (a bridge), or one whose every cycle runs through a hidden 0 that would have to go negative.
    Each such cell is closed into a cycle of four with the cheapest other row and column (non-zero cells
    already hidden, then small non-zero ones, zeros last), until none is left.
    """
    relations = table_relations(rows, keys, total_row)
    all_rows = [*rows, total_row]
    hidden = protect(values, relations, threshold)
    for _ in range(100):  # a few rounds in practice; the bound only guards against a loop
        if len(all_rows) < 2 or len(keys) < 2:
            break
        stuck = _pinned(values, hidden, total_row)
        if not stuck:
            break
        added = set(hidden)
        for row, key in stuck:  # each closed on its own; the next round checks what is left
            options = []
            for other_row in all_rows:
                for other_key in keys:
                    if other_row != row and other_key != key:
                        cells = ((row, other_key), (other_row, key), (other_row, other_key))
                        price = tuple(map(sum, zip(*(_cost(values, added, cell) for cell in cells))))
                        options.append((price, cells))
            added |= set(min(options)[1])
        hidden = protect(values, relations, threshold, already=added)
    else:  # never seen; should the rounds not settle, hide every non-zero cell rather than publish a pinned one
        hidden |= {cell for cell, value in values.items() if value}
    return hidden


def _cost(values: Mapping, hidden: set, cell: tuple) -> tuple[int, int]:
    """Non-zero cells already hidden cost nothing, then small non-zero ones; a zero only when nothing else
    closes a cycle (a 0 can only grow, so it can block the cycle)."""
    value = values.get(cell, 0)
    if not value:
        return (3, 0)
    return (0, 0) if cell in hidden else (1, value)


def _pinned(values: Mapping, hidden: set[tuple], total_row: Hashable) -> list[tuple]:
    """Hidden cells that all the table's equations, with non-negative counts, fix to one value."""
    stuck = set(_bridges(hidden))
    graph: dict[tuple, list[tuple[tuple, tuple]]] = {}
    for row, key in hidden:
        graph.setdefault(("row", row), []).append((("key", key), (row, key)))
        graph.setdefault(("key", key), []).append((("row", row), (row, key)))
    # Without a hidden 0 in its part of the graph, any cycle moves both ways: only bridges are pinned.
    component: dict[tuple, int] = {}
    for start in graph:
        if start not in component:
            component[start] = len(component)
            todo = [start]
            while todo:
                for neighbour, _ in graph[todo.pop()]:
                    if neighbour not in component:
                        component[neighbour] = component[start]
                        todo.append(neighbour)
    with_zero = {component[("row", row)] for row, key in hidden if not values.get((row, key), 0)}
    for cell in sorted(hidden, key=repr):
        if cell in stuck or component[("row", cell[0])] not in with_zero:
            continue
        if not any(_can_move(values, graph, total_row, cell, sign) for sign in (1, -1)):
            stuck.add(cell)
    return sorted(stuck, key=repr)


def _can_move(values: Mapping, graph: dict, total_row: Hashable, cell: tuple, sign: int) -> bool:
    """Whether a cycle through ``cell`` can change it by ``sign`` with every count staying non-negative.

    Along a cycle the changes alternate; a total-row cell enters its column with the opposite sign, so
    it moves against the agencies' cells there. A cell may go down only if it is above 0.
    """
    def allowed(edge: tuple, change: int) -> bool:
        direction = -change if edge[0] == total_row else change
        return direction > 0 or values.get(edge, 0) > 0

    row, key = cell
    if not allowed(cell, sign):
        return False
    seen = {("key", key)}
    todo = [("key", key)]
    while todo:
        node = todo.pop()
        change = -sign if node[0] == "key" else sign  # column → row edges undo the cell's change
        for neighbour, edge in graph[node]:
            if edge == cell or neighbour in seen or not allowed(edge, change):
                continue
            if neighbour == ("row", row):
                return True
            seen.add(neighbour)
            todo.append(neighbour)
    return False


def _bridges(hidden: set[tuple]) -> list[tuple]:
    """Hidden cells on no cycle of hidden cells (Tarjan's bridges; rows and keys are the nodes)."""
    graph: dict[tuple, list[tuple[tuple, tuple]]] = {}
    for row, key in sorted(hidden, key=repr):
        graph.setdefault(("row", row), []).append((("key", key), (row, key)))
        graph.setdefault(("key", key), []).append((("row", row), (row, key)))
    order: dict[tuple, int] = {}
    low: dict[tuple, int] = {}
    bridges = []
    for start, edges_of_start in graph.items():
        if start in order:
            continue
        order[start] = low[start] = len(order)
        stack = [(start, None, iter(edges_of_start))]
        while stack:
            node, via, edges = stack[-1]
            for neighbour, cell in edges:
                if cell == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, cell, iter(graph[neighbour])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.append(via)
    return bridges


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
