"""Hypothesis strategies for contact data as Indonesians write it, and the forms it must never take
in public: each value in every written format and its normalised forms (digits, 0…, 62…, 8…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

MOBILE_PREFIXES = ["811", "812", "813", "821", "822", "823", "852", "853", "857", "858", "878", "881", "896"]
AREA_CODES = ["21", "22", "24", "31", "61", "274", "341", "361", "411"]
PROVINCES = ["11", "12", "31", "32", "33", "34", "35", "36", "51", "52", "61", "73", "91"]
GIVEN = ["Sekar", "Wulandari", "Bambang", "Kusumawati", "Haryanto", "Rahmawati", "Nugroho", "Prasetyo",
         "Larasati", "Suharti", "Yuliani", "Widodo", "Ratna", "Ayu", "Adi", "Eko"]
FAMILY = ["Ayuningtyas", "Setyaningsih", "Purnamasari", "Wicaksono", "Hendrawan", "Sulistyowati",
          "Kurniawan", "Pratiwi"]

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _digits(n: int):
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def _group(national: str, sizes: list[int]) -> list[str]:
    out, at = [], 0
    for size in sizes:
        out.append(national[at:at + size])
        at += size
    if at < len(national):
        out[-1] += national[at:]
    return [part for part in out if part]


@st.composite
def mobile_numbers(draw) -> tuple[str, str]:
    """(as written, national digits) of a valid Indonesian mobile number in one of many formats."""
    national = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(_digits(draw(st.integers(7, 9))))
    prefix = draw(st.sampled_from(["0", "+62", "+62 ", "62", "(0", "+62 (", "+62-"]))
    separator = draw(st.sampled_from([" ", "-", ".", ""]))
    groups = _group(national, draw(st.sampled_from([[3, 4, 4], [3, 3, 4], [3, 4], [3, 8], [3, 2, 2, 2, 2]])))
    if prefix in ("(0", "+62 ("):
        return f"{prefix}{groups[0]}) {''.join(groups[1:])}", national
    return prefix + separator.join(groups), national


@st.composite
def landline_numbers(draw) -> tuple[str, str]:
    area = draw(st.sampled_from(AREA_CODES))
    local = draw(st.sampled_from("2345678")) + draw(_digits(6 if len(area) == 2 else 5))
    style = draw(st.sampled_from(["({0}{1}) {2}", "0{1}-{2}", "0{1} {2}", "+62 {1} {2}", "0{1}{2}", "62{1}{2}",
                                  "0{1}-{3}-{4}"]))
    written = style.format("0", area, local, local[:3], local[3:])
    return written, area + local


@st.composite
def niks(draw) -> tuple[str, str]:
    nik = draw(st.sampled_from(PROVINCES)) + draw(_digits(14))
    style = draw(st.sampled_from(["plain", "4 ", "4.", "4-", "6 ", "kemendagri"]))
    if style == "plain":
        return nik, nik
    if style == "kemendagri":
        return ".".join([nik[:2], nik[2:4], nik[4:6], nik[6:12], nik[12:]]), nik
    size, separator = int(style[0]), style[1]
    sizes = [4, 4, 4, 4] if size == 4 else [6, 6, 4]
    return separator.join(_group(nik, sizes)), nik


@st.composite
def emails(draw) -> str:
    local = draw(st.from_regex(r"[a-z][a-z0-9]{2,8}([._][a-z0-9]{2,6})?", fullmatch=True))
    domain = draw(st.sampled_from(["gmail.com", "yahoo.co.id", "mail.go.id", "contoh.id", "desa-maju.or.id"]))
    return f"{local}@{domain}"


@st.composite
def names(draw) -> str:
    words = [draw(st.sampled_from(GIVEN)), draw(st.sampled_from(FAMILY))]
    return " ".join(words)


def recase(word: str, how: int) -> str:
    return [word, word.upper(), word.lower(), word.title()][how % 4]


@dataclass(frozen=True)
class Contacts:
    """One reporter's contact data, written in several formats."""

    name: str
    mobiles: tuple[tuple[str, str], ...]
    landline: tuple[str, str]
    nik: tuple[str, str]
    email: str

    def sentences(self) -> list[str]:
        """Sentences that put every value into a text, as citizens and officers write them."""
        first, last = self.name.split()
        (mobile, _), *others = self.mobiles
        lines = [
            f"Saya {self.name}, hubungi saya di {mobile} atau {self.email}.",
            f"NIK saya {self.nik[0]}, telepon rumah {self.landline[0]}.",
            f"Tanya saja ke pak {recase(first, 1)} atau bu {recase(last, 2)}.",
        ]
        lines += [f"Atau hubungi nomor {written} (No. 12)." for written, _ in others]
        return lines

    def forbidden(self) -> list[str]:
        """Every form of these values that must not appear in public (lower case)."""
        values = [self.email, self.nik[0], self.nik[1], self.landline[0], self.name]
        values += [word for word in self.name.split() if len(word) >= 3]
        for written, national in (*self.mobiles, self.landline):
            values += [written, national, "0" + national, "62" + national, "+62" + national]
        return [value.lower() for value in values]

    def leaks(self, body: str) -> list[str]:
        """The forbidden forms found in ``body``, also hidden by separators between digits."""
        lowered = body.lower()
        found = [value for value in self.forbidden() if not value.isalpha() and value in lowered]
        found += [word for word in self.forbidden() if word.isalpha()
                  and re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", lowered)]
        runs = ["".join(ch for ch in run if ch.isdigit()) for run in re.findall(r"\d[\d \-.()/+]*\d", body)]
        for national in [n for _, n in self.mobiles] + [self.landline[1], self.nik[1]]:
            found += [f"digits {national}" for run in runs if national in run]
        return found


@st.composite
def contacts(draw) -> Contacts:
    return Contacts(
        name=draw(names()),
        mobiles=tuple(draw(st.lists(mobile_numbers(), min_size=2, max_size=3))),
        landline=draw(landline_numbers()),
        nik=draw(niks()),
        email=draw(emails()),
    )
