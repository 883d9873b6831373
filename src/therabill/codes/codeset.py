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

_STOPWORDS = frozenset(
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
    ]
)


def _tokens(text: str) -> list[str]:
    """Lower-case word stems; hyphens inside words vanish so re-education = reeducation."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("-", ""))
    return [_stem(w) for w in words if w not in _STOPWORDS]


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

    def suggest(self, text: str, *, limit: int = 3) -> list[str]:
        """The nearest real codes to a code that is not in the set (typos, known misprints)."""
        wanted = text.strip().upper()
        found: list[str] = []
        if wanted in self.misprints:
            found.append(self.misprints[wanted])
        ranked = sorted(
            (osa_distance(wanted, code), code)
            for code, entry in self.codes.items()
            if entry.end is None and code not in found
        )
        found += [code for distance, code in ranked if distance <= 1]
        if not found:
            found += [code for distance, code in ranked[:limit] if distance <= 2]
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
                wanted,
                f"{wanted} was deleted from {code.deleted_from} and cannot be billed for {day}.",
                list(code.replaced_by),
                field=field,
            )
        if status is CodeStatus.NOT_YET:
            raise CodeNotActive(
                wanted,
                f"{wanted} takes effect on {code.effective} and cannot be billed for {day}.",
                [],
                field=field,
            )
        return code

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
