"""The baseline for bench/submit.py: a bare Starlette endpoint doing the same insert with asyncpg.

It writes the same rows as Suara's submit (a submission and its `received` event, in one
transaction) but skips GraphQL, validation and the ORM, so the ratio shows what they cost.
"""

from __future__ import annotations

import argparse
import json
import secrets
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def build_app(dsn: str) -> Starlette:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(app: Starlette):
        nonlocal pool
        pool = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
        yield
        await pool.close()

    async def submit(request: Request) -> JSONResponse:
        body = await request.json()
        code = "".join(secrets.choice(ALPHABET) for _ in range(9))
        async with pool.acquire() as connection, connection.transaction():
            submission_id = await connection.fetchval(
                "INSERT INTO submissions (tracking_code, kind, channel, text, public_text, anonymous,"
                " confidential, status, version) VALUES ($1, $2, 'api', $3, $3, false, false,"
                " 'received', 1) RETURNING id",
                code, body["kind"], body["text"],
            )
            await connection.execute(
                "INSERT INTO submission_events (submission_id, kind, actor, status_after, details)"
                " VALUES ($1, 'received', 'citizen:api', 'received', $2::jsonb)",
                submission_id, json.dumps({"channel": "api", "kind": body["kind"]}),
            )
        return JSONResponse({"trackingCode": code})

    return Starlette(routes=[Route("/submit", submit, methods=["POST"])], lifespan=lifespan)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.dsn), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
