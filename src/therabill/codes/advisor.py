"""The code advisor: from what a therapist says they did, the codes that fit and why.

Knowledge is data (``data/advice.toml``): per code, the techniques, goals and body areas a
therapist names, who typically bills it, the published clarification and its source; and the
rules of what not to bill (97112/97530 are not for massage therapists, one massage session is
not split between 97124 and 97140, psychotherapy time codes are never added). Matching is a
weighted phrase index (rarer phrases weigh more, as in TF-IDF) over stemmed words, with
rapidfuzz mending a misspelt word to the nearest word the index knows. Nothing is fetched at
run time; the index is built once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from therabill.codes.codeset import STOPWORDS, CodeSet
from therabill.codes.loader import load_code_set
from therabill.codes.model import DISCIPLINES, Code, CodeStatus, Timing
from therabill.errors import DataFileError, InvalidInput

WEIGHTS = {"technique": 3.0, "goal": 2.0, "area": 1.0, "term": 1.5}
TYPICAL = 1.25  # the discipline typically bills the code
UNTYPICAL = 0.8  # licensed, but not a code the discipline usually bills
IN_RANGE, OUT_OF_RANGE = 1.6, 0.5  # a time-range code whose minutes fit, or do not
SCALE = 6.0  # score = raw / (raw + SCALE): 0..1, half at a typical single strong match
FUZZY_CUTOFF = 86  # rapidfuzz ratio a misspelt word needs to count as a known word
_STOP = STOPWORDS | frozenset(
    [
        "was",
        "were",
        "her",
        "his",
        "their",
        "them",
        "they",
        "he",
        "she",
        "client",
        "patient",
        "pt",
        "today",
        "then",
        "also",
        "some",
        "this",
        "that",
        "from",
        "using",
        "used",
        "into",
        "over",
        "after",
        "before",
        "while",
        "had",
        "has",
        "have",
        "worked",
        "work",
        "done",
        "session",
    ]
)  # the code search's stop words, and the words every therapy note has
_WORD = re.compile(r"[a-z0-9]+")
_MINUTES = re.compile(r"(\d{1,3})\s*(?:-\s*)?(?:minutes?|mins?\b|m\b|')")
_HOURS = re.compile(r"(\d(?:\.\d+)?)\s*(?:-\s*)?(?:hours?|hrs?\b|h\b)")
_WORD_HOURS = {"half an hour": 30, "half hour": 30, "an hour": 60, "one hour": 60,
               "hour and a half": 90, "two hours": 120}  # fmt: skip


def stem(word: str) -> str:
    """A crude, stable stem: the same for the data and the query, which is all it needs."""
    for suffix in ("ations", "ation", "ing", "ion", "ies", "es", "ed", "ly", "s"):
        keep = 5 if suffix.endswith("ion") or suffix.startswith("ation") else 4
        if len(word) - len(suffix) >= keep and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case stems; a hyphen inside a word vanishes, so re-education = reeducation."""
    joined = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text.lower())
    return [stem(w) for w in _WORD.findall(joined) if w not in _STOP]


def minutes_in(text: str) -> int | None:
    """The longest time the description names, in minutes (None: no time given)."""
    lowered = text.lower()
    found = [int(m) for m in _MINUTES.findall(lowered)]
    found += [round(float(h) * 60) for h in _HOURS.findall(lowered)]
    found += [m for phrase, m in _WORD_HOURS.items() if phrase in lowered]
    found = [m for m in found if 0 < m <= 480]
    return max(found) if found else None


@dataclass(frozen=True, slots=True)
class Entry:
    """What the advice file says about one code."""

    code: str
    phrases: tuple[tuple[str, str], ...]  # (kind, phrase as written)
    disciplines: frozenset[str]
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class AvoidRule:
    kind: str  # "code" or "split"
    codes: tuple[str, ...]
    disciplines: frozenset[str]
    why: str
    source: str
    always: bool = False

    def concerns(self, discipline: str | None) -> bool:
        if not self.disciplines:
            return True
        return discipline is not None and discipline in self.disciplines


@dataclass(frozen=True)
class Knowledge:
    entries: Mapping[str, Entry]
    avoid: tuple[AvoidRule, ...]
    sources: Mapping[str, str]

    def cite(self, keys: str) -> str:
        """Source keys ("a; b") as the texts they stand for."""
        return "; ".join(self.sources.get(k.strip(), k.strip()) for k in keys.split(";"))


def _strings(value: Any, name: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataFileError(name, None, f"{where} must be a list of strings")
    return list(value)


def parse_knowledge(text: str, name: str) -> Knowledge:
    """The advice file's TOML, checked: every code's phrases, disciplines and sources."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(name, None, f"not TOML: {exc}") from None
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise DataFileError(name, None, "[sources] must map keys to texts")
    entries: dict[str, Entry] = {}
    for code, body in (data.get("codes") or {}).items():
        if not isinstance(body, dict):
            raise DataFileError(name, None, f"codes.{code} must be a table")
        phrases: list[tuple[str, str]] = []
        for kind, key in (("technique", "techniques"), ("goal", "goals"), ("area", "areas")):
            phrases += [(kind, p) for p in _strings(body.get(key, []), name, f"codes.{code}.{key}")]
        disciplines = frozenset(_strings(body.get("disciplines", []), name, f"codes.{code}"))
        unknown = disciplines - set(DISCIPLINES)
        if unknown:
            raise DataFileError(name, None, f"codes.{code}: unknown discipline {sorted(unknown)}")
        why, source = body.get("why"), body.get("source")
        if not isinstance(why, str) or not why or not isinstance(source, str) or not source:
            raise DataFileError(name, None, f"codes.{code} needs a why and a source")
        _check_sources(source, sources, name, f"codes.{code}")
        entries[code] = Entry(code, tuple(phrases), disciplines, why, source)
    rules: list[AvoidRule] = []
    for i, rule in enumerate(data.get("avoid") or [], start=1):
        kind = rule.get("kind")
        codes = tuple(_strings(rule.get("codes", []), name, f"avoid #{i}.codes"))
        why, source = rule.get("why"), rule.get("source")
        if kind not in ("code", "split") or not codes or not isinstance(why, str):
            raise DataFileError(name, None, f"avoid #{i}: needs kind code|split, codes and why")
        if not isinstance(source, str) or not source:
            raise DataFileError(name, None, f"avoid #{i}: needs a source")
        _check_sources(source, sources, name, f"avoid #{i}")
        who = frozenset(_strings(rule.get("disciplines", []), name, f"avoid #{i}.disciplines"))
        rules.append(AvoidRule(kind, codes, who, why, source, bool(rule.get("always", False))))
    return Knowledge(entries, tuple(rules), sources)


def _check_sources(keys: str, sources: Mapping[str, str], name: str, where: str) -> None:
    missing = [k.strip() for k in keys.split(";") if k.strip() not in sources]
    if missing:
        raise DataFileError(name, None, f"{where}: unknown source {', '.join(missing)}")


@functools.cache
def _shipped_knowledge(path: str | None) -> Knowledge:
    if path:
        try:
            return parse_knowledge(Path(path).read_text("utf-8"), path)
        except OSError as exc:
            raise DataFileError(path, None, f"cannot read the advice file: {exc}") from None
    file = resources.files("therabill.codes").joinpath("data", "advice.toml")
    return parse_knowledge(file.read_text("utf-8"), "therabill/codes/data/advice.toml")


def load_knowledge() -> Knowledge:
    """The advice file in force: ``THERABILL_CODE_ADVICE`` or the one in the package."""
    return _shipped_knowledge(os.environ.get("THERABILL_CODE_ADVICE") or None)


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    score: float
    why: str
    source: str
    description: str
    matched: tuple[str, ...]
    timing: str
    payer: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "score": self.score,
            "why": self.why,
            "source": self.source,
            "description": self.description,
            "matched": list(self.matched),
            "timing": self.timing,
        }
        if self.payer is not None:
            data["payer"] = dict(self.payer)
        return data


@dataclass(frozen=True, slots=True)
class Avoid:
    code: str
    why: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "why": self.why, "source": self.source}


@dataclass(frozen=True)
class Advice:
    """The ranked codes for one description, what not to bill, and the minutes it named."""

    text: str
    discipline: str | None
    minutes: int | None
    suggestions: tuple[Suggestion, ...]
    avoid: tuple[Avoid, ...] = ()
    payer: str | None = None

    def codes(self) -> list[str]:
        return [s.code for s in self.suggestions]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "discipline": self.discipline,
            "minutes": self.minutes,
            "payer": self.payer,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "avoid": [a.to_dict() for a in self.avoid],
        }


@dataclass(frozen=True, slots=True)
class _Phrase:
    code: str
    kind: str
    text: str
    stems: tuple[str, ...]


@dataclass
class Advisor:
    """The index over one code set and one advice file; ``advise`` answers one description."""

    code_set: CodeSet
    knowledge: Knowledge
    _by_first: dict[str, list[_Phrase]] = field(init=False, repr=False)
    _idf: dict[tuple[str, ...], float] = field(init=False, repr=False)
    _vocabulary: list[str] = field(init=False, repr=False)
    _known: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        phrases: list[_Phrase] = []
        for code in self.code_set.values():
            entry = self.knowledge.entries.get(code.code)
            seen: set[tuple[str, ...]] = set()
            listed = list(entry.phrases) if entry else []
            listed += [("term", t) for t in code.terms]
            for kind, text in listed:
                stems = tuple(words(text))
                if stems and stems not in seen:
                    seen.add(stems)
                    phrases.append(_Phrase(code.code, kind, text, stems))
        self._by_first = {}
        holders: dict[tuple[str, ...], set[str]] = {}
        for phrase in phrases:
            self._by_first.setdefault(phrase.stems[0], []).append(phrase)
            holders.setdefault(phrase.stems, set()).add(phrase.code)
        total = len(self.code_set) or 1
        self._idf = {s: math.log(1 + total / len(c)) for s, c in holders.items()}
        self._known = frozenset(w for p in phrases for w in p.stems)
        self._vocabulary = sorted(w for w in self._known if len(w) >= 4)

    def _mend(self, tokens: list[str]) -> list[str]:
        """Misspelt words (not in the index) replaced by the nearest indexed word."""
        mended = []
        for token in tokens:
            if token in self._known or len(token) < 5 or token.isdigit():
                mended.append(token)
                continue
            best = process.extractOne(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            mended.append(best[0] if best else token)
        return mended

    def _matches(self, tokens: Sequence[str]) -> tuple[dict[str, dict[str, float]], set[str]]:
        """Per code, each phrase found in the tokens and what it weighs; and the codes one of
        whose techniques was named."""
        found: dict[str, dict[str, float]] = {}
        techniques: set[str] = set()
        for i, token in enumerate(tokens):
            for phrase in self._by_first.get(token, ()):
                n = len(phrase.stems)
                if tuple(tokens[i : i + n]) != phrase.stems:
                    continue
                weight = WEIGHTS[phrase.kind] * self._idf[phrase.stems] * (1 + 0.5 * (n - 1))
                per_code = found.setdefault(phrase.code, {})
                per_code[phrase.text] = max(per_code.get(phrase.text, 0.0), weight)
                if phrase.kind == "technique":
                    techniques.add(phrase.code)
        return found, techniques

    def advise(
        self,
        text: str,
        *,
        discipline: str | None = None,
        day: dt.date | None = None,
        limit: int = 5,
    ) -> Advice:
        """The codes that fit ``text`` best (at most ``limit``), with why and what to avoid."""
        if not text or not text.strip():
            raise InvalidInput("describe what was done in the session", field="text")
        if discipline is not None and discipline not in DISCIPLINES:
            raise InvalidInput(
                f"{discipline!r} is not a discipline ({', '.join(DISCIPLINES)})",
                field="discipline",
            )
        if limit < 1:
            raise InvalidInput("must be at least 1", field="limit")
        day = day or dt.date.today()
        minutes = minutes_in(text)
        matches, named = self._matches(self._mend(words(text)))
        techniques = frozenset(named)
        barred = self._barred(discipline)
        scored: list[tuple[float, Code, list[str]]] = []
        notes: dict[str, str] = {}
        for code_id, phrases in matches.items():
            code = self.code_set.get(code_id)
            if code is None or code.status_on(day) is not CodeStatus.ACTIVE:
                continue
            if discipline is not None and (not code.licensed_for(discipline) or code_id in barred):
                continue
            raw = sum(phrases.values())
            entry = self.knowledge.entries.get(code_id)
            if discipline is not None:
                typical = entry is not None and discipline in entry.disciplines
                raw *= TYPICAL if typical else UNTYPICAL
            factor, note = self._time_fit(code, minutes)
            raw *= factor
            if note:
                notes[code_id] = note
            ranked = sorted(phrases, key=lambda p: -phrases[p])
            scored.append((raw, code, ranked))
        scored.sort(key=lambda item: (-item[0], item[1].code))
        suggestions = tuple(
            self._suggestion(code, raw, ranked, notes.get(code.code))
            for raw, code, ranked in scored[:limit]
        )
        avoid = self._avoid(discipline, matches, techniques, suggestions, minutes, day)
        return Advice(text, discipline, minutes, suggestions, avoid)

    def _barred(self, discipline: str | None) -> set[str]:
        return {
            code
            for rule in self.knowledge.avoid
            if rule.kind == "code" and rule.concerns(discipline) and discipline is not None
            for code in rule.codes
        }

    def _range(self, code: Code) -> tuple[int, int | None]:
        """A time-range code's minutes: from its own minimum to the next code's, less one."""
        series = sorted(
            (c for c in self.code_set.values()
             if c.timing is Timing.RANGE and c.primary_code == code.primary_code),
            key=lambda c: c.min_minutes or 0,
        )  # fmt: skip
        low = code.min_minutes or 0
        higher = [c.min_minutes for c in series if (c.min_minutes or 0) > low]
        return low, (min(h for h in higher if h is not None) - 1) if higher else None

    def _time_fit(self, code: Code, minutes: int | None) -> tuple[float, str | None]:
        if code.timing is Timing.RANGE:
            low, high = self._range(code)
            span = f"{low} to {high}" if high else f"{low} or more"
            if minutes is None:
                return 1.0, f"for {span} minutes: the session's minutes choose the code"
            if minutes >= low and (high is None or minutes <= high):
                return IN_RANGE, f"{minutes} minutes fall in its range ({span} minutes)"
            return OUT_OF_RANGE, f"its range is {span} minutes, not {minutes}"
        if code.timing is Timing.UNTIMED and minutes:
            return 1.0, f"untimed: one unit for the session whatever its length ({minutes} minutes)"
        if code.timing is Timing.INITIAL and code.addon_code:
            return 1.0, f"the first block is {code.code}; each further block is {code.addon_code}"
        return 1.0, None

    def _suggestion(
        self, code: Code, raw: float, ranked: list[str], note: str | None
    ) -> Suggestion:
        entry = self.knowledge.entries.get(code.code)
        matched = tuple(ranked[:6])
        why = f"Matched {', '.join(repr(p) for p in matched)}."
        if entry is not None:
            why += f" {entry.why}."
        if note:
            why += f" {note[0].upper()}{note[1:]}."
        source = self.knowledge.cite(entry.source) if entry else code.source
        return Suggestion(
            code=code.code,
            score=round(raw / (raw + SCALE), 3),
            why=why,
            source=source,
            description=code.description,
            matched=matched,
            timing=code.timing_text(),
        )

    def _avoid(
        self,
        discipline: str | None,
        matches: Mapping[str, Mapping[str, float]],
        techniques: frozenset[str],
        suggestions: Sequence[Suggestion],
        minutes: int | None,
        day: dt.date,
    ) -> tuple[Avoid, ...]:
        out: dict[str, Avoid] = {}
        suggested = [s.code for s in suggestions]
        for code_id in suggested:
            entry = self.code_set[code_id]
            if entry.timing is Timing.RANGE and minutes is not None:
                fit, note = self._time_fit(entry, minutes)
                if fit == OUT_OF_RANGE and note:
                    out.setdefault(code_id, Avoid(code_id, f"{note[0].upper()}{note[1:]}.",
                                                  self.knowledge.cite("apa-psychotherapy")))  # fmt: skip
        for rule in self.knowledge.avoid:
            if not rule.concerns(discipline):
                continue
            source = self.knowledge.cite(rule.source)
            if rule.kind == "code" and discipline is not None:
                for listed in rule.codes:
                    if rule.always or listed in matches:
                        out.setdefault(listed, Avoid(listed, rule.why, source))
            elif rule.kind == "split":
                both = [c for c in suggested if c in rule.codes]
                if len(both) > 1:
                    for listed in both[1:]:
                        out.setdefault(listed, Avoid(listed, rule.why, source))
        if discipline is not None:
            for code_id in matches:
                other = self.code_set.get(code_id)
                if (
                    other is not None
                    and other.status_on(day) is CodeStatus.ACTIVE
                    and not other.licensed_for(discipline)
                    and code_id not in out
                    and code_id in techniques
                ):
                    who = " or ".join(DISCIPLINES[d] for d in sorted(other.disciplines))
                    out[code_id] = Avoid(
                        code_id,
                        f"{code_id} is billed by a {who}, not a {DISCIPLINES[discipline]}",
                        other.source,
                    )
        return tuple(out.values())


_LAST: list[Advisor] = []


def advisor() -> Advisor:
    """The advisor over the code set and advice file in force, built once per process (and
    again when either file changes)."""
    code_set, knowledge = load_code_set(), load_knowledge()
    if not _LAST or _LAST[0].code_set is not code_set or _LAST[0].knowledge is not knowledge:
        _LAST[:] = [Advisor(code_set, knowledge)]
    return _LAST[0]


def advise(
    text: str, *, discipline: str | None = None, day: dt.date | None = None, limit: int = 5
) -> Advice:
    """``Advisor.advise`` on the code set and advice file in force."""
    return advisor().advise(text, discipline=discipline, day=day, limit=limit)


def top_codes(advice: Advice, n: int) -> list[str]:
    return [s.code for s in advice.suggestions[:n]]


def accuracy(results: Iterable[tuple[str, Advice]], n: int) -> float:
    """Share of (expected code, advice) pairs whose expected code is in the first ``n``."""
    pairs = list(results)
    if not pairs:
        return 0.0
    return sum(expected in top_codes(advice, n) for expected, advice in pairs) / len(pairs)
