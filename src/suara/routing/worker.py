"""The classifier process: a server's texts classified in a process of its own.

In a classifier *thread*, each classification holds the interpreter lock for its whole run, and every
time the event loop lets go of the lock (a socket write, a random number) the thread may keep it for
up to the switch interval: under a burst the loop stalls behind the classifier. A process shares no
lock, and the texts that arrive together are classified together (one vectorised pass is far cheaper
than one per text).

Protocol, one JSON object per line: the parent writes ``{"id": n, "text": "..."}``; the process
answers ``{"ready": version}`` once after loading and then ``{"id": n, "decision": {...}}`` or
``{"id": n, "error": "..."}`` per request. It ends when its input closes.

Run as ``python -m suara.routing.worker MODEL_PATH``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys

from suara.routing.router import RoutingDecision


def answer(router, requests: list[dict]) -> list[dict]:
    """The replies to a batch of requests, in order; one bad request never fails the others."""
    texts = [request.get("text") for request in requests]
    readable = [text for text in texts if isinstance(text, str)]
    try:
        decided = iter(decide_many(router, readable))
        decisions = [next(decided) if isinstance(text, str) else "TypeError: text is not a string" for text in texts]
    except Exception:  # noqa: BLE001 — find the culprit one by one, so the others still get their answer
        decisions = [_decide_one(router, text) for text in texts]
    replies = []
    for request, decision in zip(requests, decisions, strict=True):
        if isinstance(decision, RoutingDecision):
            replies.append({"id": request.get("id"), "decision": dataclasses.asdict(decision)})
        else:
            replies.append({"id": request.get("id"), "error": decision})
    return replies


def _decide_one(router, text) -> RoutingDecision | str:
    if not isinstance(text, str):
        return "TypeError: text is not a string"
    try:
        return router.decide(text)
    except Exception as error:  # noqa: BLE001 — the parent sends this item to people
        return f"{type(error).__name__}: {error}"


def decide_many(router, texts: list[str]) -> list[RoutingDecision]:
    many = getattr(router, "decide_many", None)
    return many(texts) if many is not None else [router.decide(text) for text in texts]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def serve(router, read_fd: int = 0, write_fd: int = 1) -> None:
    """Answer requests until the input closes; whatever arrived in one read is one batch."""
    _write_all(write_fd, json.dumps({"ready": router.version}).encode() + b"\n")
    pending = b""
    while True:
        chunk = os.read(read_fd, 1 << 20)
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b"\n")
        requests = []
        for line in lines:
            try:
                requests.append(json.loads(line))
            except ValueError:
                continue  # only our own parent writes here; a torn line cannot be answered by id
        if requests:
            replies = answer(router, requests)
            _write_all(write_fd, b"".join(json.dumps(reply).encode() + b"\n" for reply in replies))


def main(argv: list[str] | None = None) -> None:
    from suara.routing.loading import router_from_model_file

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m suara.routing.worker MODEL_PATH")
    serve(router_from_model_file(argv[0]))


if __name__ == "__main__":
    main()
