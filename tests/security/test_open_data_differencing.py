"""Finding 4 as the attack: undo small-cell hiding by subtraction, and pin a person through per-item rows.

A rare region and a rare category (1–3 items) are seeded among many items of two fresh agencies. The
attacker fetches every breakdown and total of the month on GraphQL and every open-data file, then
subtracts shown cells from published totals, row by row and column by column, until nothing more
follows; no hidden cell may be computed. Other data of the test session may share the month: the
properties must hold for all of it.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import Counter

from sqlmodel import select

from suara.agencies.models import Agency, Category
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.submissions.counting import counting_day
from tests.transparency.history import file_last_month, last_month

DIMENSIONS = ("REGION", "CATEGORY", "CHANNEL")
ALL = ""
ARRIVALS = """query($d: BreakdownDimension!, $p: String!, $a: String) { arrivals(dimension: $d, period: $p, agency: $a) {
  __typename ... on Breakdown { period total confidential cells { key count suppressed } }
  ... on ValidationError { code field message messageEn } } }"""
MONTHLY = """{ agencies { slug } perAgency: transparency(period: MONTH) { periodStart received agency { slug } }
  total: transparency(period: MONTH, groupBy: TOTAL) { periodStart received } }"""


async def seed(sessions, cast) -> dict:
    """Two fresh agencies: common regions with many items, a rare region (3 items over both agencies) and a
    rare category (1 item); returns what was seeded, to compare shown cells with the truth."""
    rng = random.Random()
    base = rng.randint(10, 89)
    common, rare = [f"{base}.{n:02d}" for n in (11, 12, 13)], f"{base}.97"
    truth: Counter = Counter()
    async with transaction(sessions) as session:
        slugs = [row for row in (await session.exec(select(Category.slug).order_by(Category.slug))).all()][:3]
        main_category, second_category, rare_category = slugs
        agencies = []
        for name in ("Dinas Selisih", "Dinas Pengurangan"):
            agency = Agency(slug=f"dinas-{uuid.uuid4().hex[:8]}", name=name, short_name=name.split()[1])
            session.add(agency)
            agencies.append(agency)
        await session.flush()
        plan = [  # (agency, region, category, items)
            (0, common[0], main_category, 12), (0, common[1], main_category, 8), (0, common[2], second_category, 6),
            (0, rare, main_category, 2), (0, common[0], rare_category, 1),
            (1, common[0], second_category, 10), (1, common[1], second_category, 7), (1, rare, second_category, 1),
        ]
        items = []
        for index, region, category, count in plan:
            items += [(agencies[index].id, region, category)] * count
            truth[(agencies[index].slug, "region", region)] += count
            truth[(agencies[index].slug, "category", category)] += count
            truth[(agencies[index].slug, "channel", "api")] += count
        month = await file_last_month(session, items)  # breakdowns are published once a month has ended
        # A confidential item at the second agency, from the rare region: in the breakdowns, never in the rows.
        await file_last_month(session, [(agencies[1].id, rare, second_category)], confidential=True)
    return {"agencies": [a.slug for a in agencies], "rare_region": rare, "rare_category": rare_category,
            "common": common, "truth": truth, "month": month}


def attack(tables: dict[str, dict[str, int | None]], row_totals: dict[str, int]) -> set[tuple[str, str]]:
    """Every hidden cell an attacker computes: per row (agency, or all agencies) total minus shown cells, per
    column the all-agencies cell minus the agencies' cells, repeated with what was learnt; also hidden cells
    pinned to 0 because the rest of their row or column adds up already."""
    keys = {key for cells in tables.values() for key in cells}
    known = {(row, key): cells.get(key, 0) for row, cells in tables.items() for key in keys if cells.get(key, 0) is not None}
    agencies = [row for row in tables if row != ALL]
    relations = [([(row, key) for key in keys], row_totals[row], []) for row in tables]  # parts = total
    relations += [([(row, key) for row in agencies], None, [(ALL, key)]) for key in keys]  # parts = that cell
    solved: set[tuple[str, str]] = set()
    progress = True
    while progress:
        progress = False
        for parts, total, total_cells in relations:
            if total is None:
                if total_cells[0] not in known:
                    unknown_parts = [cell for cell in parts if cell not in known]
                    if not unknown_parts:
                        known[total_cells[0]] = sum(known[cell] for cell in parts)
                        solved.add(total_cells[0])
                        progress = True
                    continue
                total_value = known[total_cells[0]]
            else:
                total_value = total
            unknown = [cell for cell in parts if cell not in known]
            rest = total_value - sum(known[cell] for cell in parts if cell in known)
            if len(unknown) == 1 or (unknown and rest == 0):
                for cell in unknown:
                    known[cell] = rest if len(unknown) == 1 else 0
                    solved.add(cell)
                progress = True
    return solved


def pinned_by_linear_programming(tables: dict[str, dict[str, int | None]], row_totals: dict[str, int]) -> set:
    """Hidden cells that every published equation together, with non-negative counts, fixes to one value."""
    import numpy as np
    from scipy.optimize import linprog

    keys = sorted({key for cells in tables.values() for key in cells})
    unknown = sorted((row, key) for row, cells in tables.items() for key, count in cells.items() if count is None)
    if not unknown:
        return set()
    index = {cell: i for i, cell in enumerate(unknown)}
    equations, constants = [], []

    def equation(terms: list[tuple[tuple[str, str], int]], constant: float) -> None:
        coefficients = np.zeros(len(unknown))
        for cell, sign in terms:
            if cell in index:
                coefficients[index[cell]] += sign
            else:
                constant -= sign * (tables.get(cell[0], {}).get(cell[1]) or 0)
        if coefficients.any():
            equations.append(coefficients)
            constants.append(constant)

    for row in tables:
        equation([((row, key), 1) for key in keys], row_totals[row])
    for key in keys:
        equation([((row, key), 1) for row in tables if row != ALL] + [((ALL, key), -1)], 0.0)
    pinned = set()
    for cell, i in index.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1
        low = linprog(objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        if -high.fun - low.fun < 0.5:
            pinned.add(cell)
    return pinned


async def fetch_month(gql, month: str, slugs: list[str]) -> tuple[dict, dict, dict]:
    """Per dimension, the table of every agency's row and the all-agencies row; each row's total, and
    how many of it are confidential (in no cell)."""
    tables: dict[str, dict[str, dict[str, int | None]]] = {}
    totals: dict[str, int] = {}
    confidential: dict[str, int] = {}
    for dimension in DIMENSIONS:
        tables[dimension] = {}
        for slug in [ALL, *slugs]:
            result = (await gql(ARRIVALS, {"d": dimension, "p": month, "a": slug or None}))["arrivals"]
            assert result["__typename"] == "Breakdown" and result["period"] == month
            if result["total"] == result["confidential"]:
                continue
            tables[dimension][slug] = {cell["key"]: cell["count"] for cell in result["cells"]}
            assert totals.setdefault(slug, result["total"]) == result["total"]  # same total on every axis
            assert confidential.setdefault(slug, result["confidential"]) == result["confidential"]
    return tables, totals, confidential


async def test_no_hidden_cell_is_recovered_by_subtraction_on_graphql_or_in_open_data(gql, client, sessions, cast):
    seeded = await seed(sessions, cast)
    month = seeded["month"]
    monthly = await gql(MONTHLY)
    slugs = [agency["slug"] for agency in monthly["agencies"]]
    tables, totals, confidential = await fetch_month(gql, month, slugs)
    cell_totals = {slug: totals[slug] - confidential[slug] for slug in totals}  # what the cells add up to

    # The totals the attacker subtracts from are the published ones: agencies' `received` and the platform total.
    received = {row["agency"]["slug"]: row["received"] for row in monthly["perAgency"] if row["periodStart"].startswith(month)}
    assert {slug: total for slug, total in totals.items() if slug != ALL} == \
        {s: n for s, n in received.items() if n and s in totals}
    [platform] = [row["received"] for row in monthly["total"] if row["periodStart"].startswith(month)]
    assert totals[ALL] == platform
    assert all(sum(cells.values()) == cell_totals[slug] for slug, cells in tables["CHANNEL"].items())  # exact
    second = seeded["agencies"][1]
    assert confidential[second] == 1 and totals[second] == 19  # the confidential item: counted, in no cell

    first, second = seeded["agencies"]
    assert tables["REGION"][first][seeded["rare_region"]] is None and tables["REGION"][second][seeded["rare_region"]] is None
    assert tables["CATEGORY"][first][seeded["rare_category"]] is None
    for dimension in ("REGION", "CATEGORY"):
        hidden = {(row, key) for row, cells in tables[dimension].items() for key, count in cells.items() if count is None}
        assert hidden, dimension
        assert attack(tables[dimension], cell_totals) == set(), dimension
        assert pinned_by_linear_programming(tables[dimension], cell_totals) == set(), dimension
        for slug in seeded["agencies"]:  # what is shown is exact
            for key, count in tables[dimension][slug].items():
                if count is not None:
                    assert count == seeded["truth"][(slug, dimension.lower(), key)]

    # The open-data twins publish the same cells, so they give the attacker nothing more.
    as_csv = list(csv.DictReader(io.StringIO((await client.get("/open-data/arrivals.csv")).text)))
    as_json = (await client.get("/open-data/arrivals.json")).json()["rows"]
    for rows, hidden_value in ((as_csv, "x"), (as_json, None)):
        for dimension in DIMENSIONS:
            published: dict[str, dict[str, int | None]] = {}
            for row in rows:
                if row["month"] == month and row["dimension"] == dimension.lower():
                    count = None if row["count"] == hidden_value else int(row["count"])
                    published.setdefault(row["agency"], {})[row["key"]] = count
                    assert int(row["row_total"]) == totals[row["agency"]]
                    assert int(row["row_confidential"]) == confidential[row["agency"]]
            assert published == tables[dimension], dimension
            assert attack(published, cell_totals) == set()


async def test_breakdowns_for_arbitrary_date_ranges_or_a_month_under_way_are_refused_with_a_typed_error(gql):
    month = last_month()
    for period in (f"{month}-01..{month}-15", f"{month}-03", "2026-Q4", "2026", "2026-13", "", "２０２６-１１", " 2026-11-30"):
        result = (await gql(ARRIVALS, {"d": "REGION", "p": period, "a": None}))["arrivals"]
        assert result["__typename"] == "ValidationError" and result["code"] == "invalid_period", period
        assert result["field"] == "period" and "bulan kalender" in result["message"] and "calendar month" in result["messageEn"]
    under_way = counting_day(utcnow()).strftime("%Y-%m")  # two readings a day apart would give a day's breakdown
    for period in (under_way, "2999-01"):
        result = (await gql(ARRIVALS, {"d": "REGION", "p": period, "a": None}))["arrivals"]
        assert result["__typename"] == "ValidationError" and result["code"] == "period_not_closed", period
    assert (await gql(ARRIVALS, {"d": "REGION", "p": month, "a": None}))["arrivals"]["__typename"] == "Breakdown"
    response = await gql.raw('{ arrivals(dimension: REGION, from: "2026-11-01", to: "2026-11-15") { __typename } }')
    assert response.status_code in (200, 400)
    body = response.json()
    assert body.get("data") is None and "from" in body["errors"][0]["message"]


async def test_no_per_item_row_narrows_an_item_to_fewer_than_five(client, gql, sessions, cast):
    seeded = await seed(sessions, cast)
    month = seeded["month"]
    response = await client.get("/open-data/submissions.csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows
    combinations = Counter((row["region_code"], row["category"], row["agency"], row["submitted_month"]) for row in rows)
    assert min(combinations.values()) >= 5
    assert min(Counter((row["region_code"], row["category"], row["submitted_month"]) for row in rows).values()) >= 5
    assert all(len(row["region_code"]) <= 5 for row in rows)  # regency level at most
    assert seeded["rare_region"] not in response.text
    first, second = seeded["agencies"]
    mine = [row for row in rows if row["agency"] in (first, second)]
    assert len([row for row in mine if row["agency"] == second]) == 18  # the confidential one left out
    assert len(mine) >= 40 and all(row["submitted_month"] == month for row in mine)
    at_common = [row for row in mine if (row["agency"], row["region_code"]) == (first, seeded["common"][0])]
    # The 12 items filed there keep their region; the rare category's one item there joins them only if its
    # category is blanked (which depends on what else was filed that month).
    assert len(at_common) in (12, 13) and seeded["rare_category"] not in {row["category"] for row in at_common}

    # A region the monthly breakdown hides is never counted out of the rows, and a shown cell (which
    # leaves confidential items out) is never exceeded by the rows, so no difference places the confidential one.
    tables, _, _ = await fetch_month(gql, month, seeded["agencies"])
    listed = Counter((row["agency"], row["region_code"]) for row in mine if row["region_code"])
    assert all(count <= tables["REGION"][agency][region] for (agency, region), count in listed.items())
    for row in mine:
        if row["region_code"]:
            assert tables["REGION"][row["agency"]][row["region_code"]] is not None
        if row["category"]:
            assert tables["CATEGORY"][row["agency"]][row["category"]] is not None
