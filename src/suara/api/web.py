"""Serves the built public pages (web/dist): index.html at "/", fingerprinted assets cached for a year.

The pages talk to the server only through /graphql and /open-data, like any other client.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

NOT_BUILT = """<!doctype html><html lang="id"><meta charset="utf-8"><title>Suara</title>
<p>Halaman web belum dibangun: jalankan <code>make run</code>. / The web pages are not built yet: run
<code>make run</code>. GraphQL: <a href="/graphql">/graphql</a></p></html>"""


class FingerprintedFiles(StaticFiles):
    """Vite names assets by content hash, so a file at a URL never changes: cache it for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


GRAPHIQL_NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>GraphiQL</title>
<p>GraphiQL belum dibangun: jalankan <code>make run</code>. / GraphiQL is not built yet: run <code>make run</code>.
API: <code>POST /graphql</code></p></html>"""


def graphiql_page(dist: Path) -> Response:
    """GraphiQL built from the graphiql npm package (web/graphiql.html), not Strawberry's CDN page:
    it works offline and under our CSP."""
    page = dist / "graphiql.html"
    if not page.is_file():
        return HTMLResponse(GRAPHIQL_NOT_BUILT, status_code=503)
    return FileResponse(page, headers={"Cache-Control": "no-cache"})


def routes(dist: Path) -> list:
    async def index(request: Request) -> Response:
        page = dist / "index.html"
        if not page.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    async def workspace(request: Request) -> Response:
        """The officers' workspace (web/petugas/index.html): its own bundle, not part of the public pages."""
        page = dist / "petugas" / "index.html"
        if not page.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    async def workspace_slash(request: Request) -> Response:
        return RedirectResponse("/petugas/", status_code=308)

    mounted = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/petugas/", workspace, methods=["GET", "HEAD"]),
        Route("/petugas", workspace_slash, methods=["GET", "HEAD"]),
    ]
    if (dist / "assets").is_dir():
        mounted.append(Mount("/assets", app=FingerprintedFiles(directory=dist / "assets"), name="assets"))
    return mounted
