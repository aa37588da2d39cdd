"""Per-request context: the app state plus request-scoped DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from suara.agencies.models import Agency, Category
from suara.agencies import service as agencies
from suara.state import AppState


@dataclass
class Context:
    state: AppState
    request: Request | None
    agency_loader: DataLoader[int, Agency | None] = field(init=False)
    category_loader: DataLoader[str, Category | None] = field(init=False)

    def __post_init__(self) -> None:
        self.agency_loader = DataLoader(load_fn=self._load_agencies)
        self.category_loader = DataLoader(load_fn=self._load_categories)

    async def _load_agencies(self, ids: list[int]) -> list[Agency | None]:
        async with self.state.reading() as session:
            found = await agencies.agencies_by_id(session, list(ids))
        return [found.get(agency_id) for agency_id in ids]

    async def _load_categories(self, slugs: list[str]) -> list[Category | None]:
        async with self.state.reading() as session:
            found = {c.slug: c for c in await agencies.list_categories(session)}
        return [found.get(slug) for slug in slugs]


Info = strawberry.Info[Context, None]
