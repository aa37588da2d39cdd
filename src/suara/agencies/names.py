"""Agency names as citizens, SMS and data sources write them, mapped onto the directory's slugs.

"DPU BINMAR CIPKA", "PLN Distribusi JatengDIY" and "Kepolisian Daerah Jawa Tengah" are the same
agencies as the directory's `dpu-binamarga-cipkataru`, `pln-uid-jateng-diy` and `polda-jateng`.
Each directory entry lists such aliases; a name matches its slug, short name, full name or an
alias, compared without case, punctuation or spacing.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

DIRECTORY_FILE = Path(__file__).with_name("directory.json")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """A name reduced to what identifies it: "Dinas  Kesehatan," and "dinas kesehatan" are one key."""
    return _NOT_ALPHANUMERIC.sub("", name.casefold())


@cache
def _directory(path: Path = DIRECTORY_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _slug_by_name(path: Path = DIRECTORY_FILE) -> dict[str, str]:
    names: dict[str, str] = {}
    for agency in _directory(path)["agencies"]:
        for name in (agency["slug"], agency["short_name"], agency["name"], *agency.get("aliases", [])):
            key = name_key(name)
            if names.setdefault(key, agency["slug"]) != agency["slug"]:
                raise ValueError(f"directory name {name!r} is used by {names[key]} and {agency['slug']}")
    return names


def agency_slug(name: str, path: Path = DIRECTORY_FILE) -> str | None:
    """The directory slug an agency name stands for, or None when the directory does not know it."""
    return _slug_by_name(path).get(name_key(name)) if name and name.strip() else None


def directory_defaults(path: Path = DIRECTORY_FILE) -> dict[str, str]:
    """Category slug → the slug of the agency its items go to by default, as the shipped directory says."""
    return {category["slug"]: category["default_agency"] for category in _directory(path)["categories"]}
