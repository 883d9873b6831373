"""The code set: look-up by code and date, nearest-code suggestions and text search."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from therabill.codes.model import DISCIPLINES, Code, CodeStatus
from therabill.errors import CodeNotActive, InvalidInput, UnknownCode

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "to",
        "for",
        "with",
        "in",
        "on",
        "by",
        "each",
        "per",
        "at",
        "my",
        "i",
        "we",
        "did",
        "it",
        "is",
        "be",
        "as",
    ]
)


def _tokens(text: str) -> list[str]:
    """Lower-case word stems; hyphens inside words vanish so re-education = reeducation."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("-", ""))
    return [_stem(w) for w in words if w not in STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ion", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one edit (G0823 → G0283 is 1)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


_CODE_SHAPE = re.compile(r"^(?=.*[0-9])[0-9A-Z]{4,6}$")
_WORD_MATCH = 5.0  # a word search hit at least this good is offered for text that is no code


def _number(code: str) -> int:
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else 0


def _slip_rank(typed: str, code: str) -> int | None:
    """How plausible ``code`` is as what ``typed`` meant (lower is likelier), or None.

    One keyboard slip only (``osa_distance`` 1): a swap of neighbours (0), a changed digit in
    the last (1), fourth (2) or third (3) place, a character dropped or doubled (4). A change
    in the first two characters moves the code to another section of CPT and means something
    else entirely: not offered.
    """
    if osa_distance(typed, code) != 1:
        return None
    if len(typed) != len(code):
        return 4 if typed[:1] == code[:1] else None
    if sorted(typed) == sorted(code):
        return 0
    place = next(i for i, (a, b) in enumerate(zip(typed, code, strict=True)) if a != b)
    return None if place < 2 else 5 - place


def _either(items: tuple[str, ...] | list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: Code
    score: float
    matched: tuple[str, ...]


@dataclass
class CodeSet(Mapping[str, Code]):
    """All codes therabill knows, keyed by code."""

    codes: dict[str, Code]
    misprints: dict[str, str] = field(default_factory=dict)
    _index: dict[str, Counter[str]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for code in self.codes.values():
            bag: Counter[str] = Counter()
            for token in _tokens(code.description + " " + code.short):
                bag[token] = max(bag[token], 1)
            for term in code.terms:
                for token in _tokens(term):
                    bag[token] = 2
            self._index[code.code] = bag
        documents = len(self._index) or 1
        df: Counter[str] = Counter(t for bag in self._index.values() for t in bag)
        self._idf = {t: math.log(1 + documents / n) for t, n in df.items()}

    def __getitem__(self, key: str) -> Code:
        return self.codes[key.upper()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def suggest(self, text: str, *, limit: int = 3, discipline: str | None = None) -> list[str]:
        """Real codes a mistyped code plausibly stood for; empty when none is close.

        Plausible means a known misprint, or one slip of the keyboard that keeps the code's
        meaning: two neighbouring characters swapped (97410 for 97140), a digit changed past the
        first two (the first two name the section: 90 psychiatry, 92 speech and hearing,
        96 assessment, 97 physical medicine), or a character dropped or doubled. Codes two edits
        away are never offered: 90837 is not 97537 and 92610 is not 96170. With a
        ``discipline``, codes its licence does not cover are left out. Text that is not shaped
        like a code is matched by words instead (``search``).
        """
        wanted = text.strip().upper()
        found: list[str] = []
        if wanted in self.misprints and self.misprints[wanted] in self.codes:
            found.append(self.misprints[wanted])
        if not _CODE_SHAPE.match(wanted):
            hits = self.search(text, limit=limit)
            found += [
                h.code.code for h in hits if h.score >= _WORD_MATCH and h.code.code not in found
            ]
            return found[:limit]
        ranked: list[tuple[int, int, str]] = []
        for code, entry in self.codes.items():
            if entry.end is not None or code == wanted or code in found:
                continue
            if discipline is not None and not entry.licensed_for(discipline):
                continue
            rank = _slip_rank(wanted, code)
            if rank is not None:
                ranked.append((rank, abs(_number(code) - _number(wanted)), code))
        found += [code for _, _, code in sorted(ranked)]
        return found[:limit]

    def require(self, text: str, day: dt.date, *, field: str | None = None) -> Code:
        """The code, if it may be billed on ``day``; otherwise an error saying what to use."""
        wanted = text.strip().upper()
        if wanted not in self.codes:
            raise UnknownCode(text, self.suggest(wanted), field=field)
        code = self.codes[wanted]
        status = code.status_on(day)
        if status is CodeStatus.DELETED:
            raise CodeNotActive(
                wanted, self.deleted_text(wanted, day), self.billable_instead(wanted, day),
                field=field,
            )  # fmt: skip
        if status is CodeStatus.NOT_YET:
            raise CodeNotActive(
                wanted,
                f"{wanted} takes effect on {code.effective} and cannot be billed for {day}.",
                [],
                field=field,
            )
        return code

    def billable_instead(self, code: str, day: dt.date) -> list[str]:
        """The codes billable on ``day`` in place of a deleted code.

        Follows the chain of replacements past codes that were deleted in turn: 97532 (deleted
        2018) was replaced by 97127 and G0515, both deleted from 2020 and replaced by 97129 and
        97130, so a 2026 date of service gets 97129 and 97130 (ASHA code updates 2018, 2020).
        """
        return [key for key, deleted in self._chain(code, day) if not deleted]

    def _chain(self, code: str, day: dt.date) -> list[tuple[str, bool]]:
        """Replacements of ``code`` breadth first: (code, deleted on ``day``), skipping codes
        not yet in effect on ``day`` and following deleted ones to their own replacements."""
        found: list[tuple[str, bool]] = []
        seen = {code}
        queue = list(self.codes[code].replaced_by)
        while queue:
            key = queue.pop(0)
            if key in seen or key not in self.codes:
                continue
            seen.add(key)
            entry = self.codes[key]
            status = entry.status_on(day)
            if status is CodeStatus.ACTIVE:
                found.append((key, False))
            elif status is CodeStatus.DELETED:
                found.append((key, True))
                queue.extend(entry.replaced_by)
        return found

    def deleted_text(self, code: str, day: dt.date) -> str:
        """Why a deleted code cannot be billed on ``day`` and what to bill: the whole chain."""
        entry = self.codes[code]
        text = f"{code} was deleted from {entry.deleted_from} and cannot be billed for {day}"
        if not entry.replaced_by:
            return text + "; nothing replaced it."
        text += f"; it was replaced by {self.family_text(list(entry.replaced_by))}"
        later: dict[dt.date, list[str]] = {}
        for key, deleted in self._chain(code, day):
            when = self.codes[key].deleted_from
            if deleted and when:
                later.setdefault(when, []).append(key)
        if not later:
            return text + "."
        for when, gone in sorted(later.items()):
            verb = "was" if len(gone) == 1 else "were"
            text += f"; {_and(gone)} {verb} deleted in turn from {when}"
        instead = self.billable_instead(code, day)
        if not instead:
            return text + f"; no replacement is billable on {day}."
        return text + f". For {day} bill {self.family_text(instead)}."

    def family_text(self, codes: list[str]) -> str:
        """Codes to bill, an add-on shown with its primary: '97129 (add-on 97130)'."""
        parts: list[str] = []
        for key in codes:
            primary = self.codes[key].primary_code if key in self.codes else None
            if primary in codes:
                continue
            addons = [c for c in codes if c in self.codes and self.codes[c].primary_code == key]
            parts.append(f"{key} (add-on {', '.join(addons)})" if addons else key)
        return _either(parts)

    def replacing(self, code: str) -> list[str]:
        """Codes that list ``code`` among their replacements (what it replaced)."""
        return sorted(c.code for c in self.codes.values() if code in c.replaced_by)

    def for_discipline(self, discipline: str, *, day: dt.date | None = None) -> list[Code]:
        """Codes a discipline may bill (licence), active on ``day`` when given."""
        if discipline not in DISCIPLINES:
            raise InvalidInput(
                f"unknown discipline {discipline!r}",
                field="--discipline",
                hint=f"Use one of {', '.join(DISCIPLINES)}.",
            )
        return [
            c
            for c in self.codes.values()
            if c.licensed_for(discipline) and (day is None or c.status_on(day) is CodeStatus.ACTIVE)
        ]

    def search(
        self, text: str, *, limit: int = 10, include_deleted: bool = False
    ) -> list[SearchHit]:
        """Codes ranked by how well description, synonyms and techniques match the text."""
        query = _tokens(text)
        if not query:
            return []
        lowered = text.lower()
        hits: list[SearchHit] = []
        for key, bag in self._index.items():
            code = self.codes[key]
            if code.end is not None and not include_deleted:
                continue
            score = 0.0
            matched: list[str] = []
            for token in query:
                weight: float = bag.get(token, 0)
                if not weight:
                    weight = max(
                        (0.5 for t in bag if len(token) >= 4 and t.startswith(token)), default=0.0
                    )
                if weight:
                    score += weight * self._idf.get(token, 1.0)
                    matched.append(token)
            for term in code.terms:
                if len(term) > 3 and term.lower() in lowered:
                    score += 2.0
            if key in lowered.upper():
                score += 10.0
            if score > 0:
                hits.append(SearchHit(code, round(score, 3), tuple(dict.fromkeys(matched))))
        hits.sort(key=lambda h: (-h.score, h.code.code))
        return hits[:limit]
