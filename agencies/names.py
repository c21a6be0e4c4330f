"""Agencies and procedures by name (domain.md section 11, "Agency by name").

Real one-stop exports often name the agency ("Ủy ban nhân dân xã Hải Thượng", "UBND xa hai
thuong") and, in list exports, the procedure, instead of giving their codes. A name matches when
it equals the agency's (procedure's) name or a stored alias once both are reduced by
`normalise_name`: case, diacritics (đ = d), repeated spaces and Unicode form ignored, and
"Ủy ban nhân dân" read as "UBND". Punctuation is kept: "Sở Lao động - Thương binh và Xã hội"
is not "Sở Lao động Thương binh và Xã hội" (an alias maps one to the other once).

A name that two agencies share is ambiguous and matches neither, unless the province office has
mapped it (an alias always wins: it is a person's explicit choice). The closest names for a
name that matches nothing are found with rapidfuzz, on the normalised forms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

_PEOPLES_COMMITTEE = re.compile(r"\buy ban nhan dan\b")
SUGGESTIONS = 5


def normalise_name(text: str) -> str:
    """The comparable form of an agency or procedure name ("Ủy ban nhân dân  Xã Đakrông" and
    "ubnd xa dakrong" give the same)."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _PEOPLES_COMMITTEE.sub("ubnd", " ".join(bare.split()))


@dataclass(frozen=True)
class Match:
    """What a name resolves to: one key (agency id or procedure code), or the candidates that
    make it ambiguous (none: unknown)."""

    key: int | str | None
    candidates: tuple[str, ...] = ()  # codes, for the message

    @property
    def ambiguous(self) -> bool:
        return self.key is None and len(self.candidates) > 1


@dataclass
class NameIndex:
    """Names and aliases of one catalogue, normalised, for resolving the names of a file."""

    by_name: dict[str, list[tuple[int | str, str, str]]] = field(default_factory=dict)
    aliases: dict[str, tuple[int | str, str]] = field(default_factory=dict)
    labels: dict[int | str, str] = field(default_factory=dict)  # key → "CODE name"

    def resolve(self, name: str, *, domain: str | None = None) -> Match:
        """The one entry with this name (an alias first); `domain` narrows a procedure name
        that several domains share."""
        key = normalise_name(name)
        if key in self.aliases:
            return Match(self.aliases[key][0])
        entries = self.by_name.get(key, [])
        if domain and len(entries) > 1:
            wanted = normalise_name(domain)
            narrowed = [entry for entry in entries if entry[2] == wanted]
            entries = narrowed or entries
        if len(entries) == 1:
            return Match(entries[0][0])
        return Match(None, tuple(sorted(code for _, code, _ in entries)))

    def suggestions(self, name: str, *, limit: int = SUGGESTIONS) -> list[int | str]:
        """The keys whose names are closest to `name`, best first (aliases count as names)."""
        choices: dict[str, int | str] = {}
        for normalised, entries in self.by_name.items():
            for key, _, _ in entries:
                choices[f"{normalised}\x00{key}"] = key
        for normalised, (key, _) in self.aliases.items():
            choices[f"{normalised}\x00{key}"] = key
        found = process.extract(
            normalise_name(name),
            {label: label.split("\x00", 1)[0] for label in choices},
            scorer=fuzz.WRatio,
            limit=limit * 3,
        )
        keys: list[int | str] = []
        for _, _, label in found:
            key = choices[label]
            if key not in keys:
                keys.append(key)
        return keys[:limit]
