"""Where photo files live: a small interface, and a folder under $SUARA_HOME/media behind it.

Object storage can come later as another `MediaStorage`; nothing else in Suara touches the files.
Names are chosen here, unguessable (``secrets.token_urlsafe``): the URL is the only handle on a file,
and a name that is not of that shape is never turned into a path.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Protocol

NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.jpg$")


def new_name() -> str:
    """192 random bits, URL-safe: as hard to guess as a session token."""
    return secrets.token_urlsafe(24) + ".jpg"


def is_name(name: str) -> bool:
    return bool(NAME.match(name))


class MediaStorage(Protocol):
    async def put(self, name: str, data: bytes) -> None: ...

    async def read(self, name: str) -> bytes | None: ...

    async def delete(self, names: list[str]) -> None: ...

    async def names(self, older_than_seconds: float = 0) -> list[str]:
        """Every stored name, or only those written at least this long ago."""
        ...


class FolderStorage:
    """Files in one folder (mode 0700), each written whole or not at all (a temporary file renamed)."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, name: str) -> Path:
        if not is_name(name):
            raise ValueError("not a media file name")
        return self.root / name

    def _put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, draft = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(draft, path)
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise

    async def put(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, name, data)

    def _read(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    async def read(self, name: str) -> bytes | None:
        return await asyncio.to_thread(self._read, name)

    def _delete(self, names: list[str]) -> None:
        for name in names:
            if is_name(name):
                (self.root / name).unlink(missing_ok=True)

    async def delete(self, names: list[str]) -> None:
        if names:
            await asyncio.to_thread(self._delete, names)

    async def names(self, older_than_seconds: float = 0) -> list[str]:
        def listing() -> list[str]:
            if not self.root.is_dir():
                return []
            cutoff = time.time() - older_than_seconds
            found = []
            for entry in self.root.iterdir():
                try:
                    if is_name(entry.name) and entry.stat().st_mtime <= cutoff:
                        found.append(entry.name)
                except FileNotFoundError:
                    continue  # deleted meanwhile
            return sorted(found)
        return await asyncio.to_thread(listing)
