"""Expand a query with the synonyms the city keeps: 低保 also finds 最低生活保障, and back.

A query becomes a list of *clauses*, all of which a document must satisfy; a clause is a tuple
of *alternatives*, any one of which satisfies it; an alternative is a tuple of tokens, all of
which must be present. A plain word is the clause ``(("社保",),)``; the phrase 低保 with its
synonym is ``(("低保",), ("最低", "生活", "保障"))``.

The map is read from the database once and kept in the shared cache until a synonym is saved
or deleted (``invalidate``). If the cache cannot be reached the map is read from the database
instead, and if that fails too the query is searched without synonyms: a synonym never turns
a search into an error page.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import DatabaseError

from .text import MAX_QUERY_CHARS, MAX_QUERY_TOKENS, normalise, query_tokens

log = logging.getLogger(__name__)

Alternative = tuple[str, ...]
Clause = tuple[Alternative, ...]

CACHE_KEY = "search:synonyms:v1"
CACHE_SECONDS = 24 * 3600
# A phrase with a long list of synonyms would make every query holding it very wide.
MAX_ALTERNATIVES = 6


@dataclass(frozen=True)
class SynonymMap:
    """Every folded phrase and the phrases equivalent to it (both directions)."""

    pairs: tuple[tuple[str, str], ...] = ()
    equivalents: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    pattern: re.Pattern | None = field(default=None, compare=False)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> SynonymMap:
        pairs = tuple(sorted({(normalise(a).strip(), normalise(b).strip()) for a, b in pairs}))
        found: dict[str, list[str]] = {}
        for a, b in pairs:
            if a and b and a != b:
                found.setdefault(a, []).append(b)
                found.setdefault(b, []).append(a)
        equivalents = {k: tuple(dict.fromkeys(v)) for k, v in found.items()}
        pattern = None
        if equivalents:
            # Longest first: at each position the alternation takes the longest phrase (低保户
            # before 低保).
            keys = sorted(equivalents, key=lambda k: (-len(k), k))
            pattern = re.compile("|".join(re.escape(k) for k in keys))
        return cls(pairs=pairs, equivalents=equivalents, pattern=pattern)

    @property
    def stamp(self) -> str:
        return hashlib.sha256(repr(self.pairs).encode()).hexdigest()[:16]


EMPTY = SynonymMap()
# Compiled maps by content: the cache holds the pairs, each process compiles them once.
_compiled: dict[str, SynonymMap] = {}


def _read_pairs() -> tuple[tuple[str, str], ...]:
    from .models import SearchSynonym

    rows = SearchSynonym.objects.filter(is_active=True).values_list("term", "equivalent")
    return tuple(rows)


def synonym_map() -> SynonymMap:
    """Return the active synonyms: from the cache, else from the database (and cache them).

    Costs no query when the cache holds them, one when it does not; never raises.
    """
    try:
        pairs = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - any cache failure is a miss
        log.warning("Synonym cache unreadable; reading the synonyms from the database.")
        pairs = None
    if pairs is None:
        try:
            pairs = _read_pairs()
        except DatabaseError:
            log.exception("Synonyms unreadable; searching without them.")
            return EMPTY
        try:
            cache.set(CACHE_KEY, pairs, CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            log.warning("Synonym cache unwritable; the next search reads them again.")
    return _compile(tuple(tuple(p) for p in pairs))


def _compile(pairs: tuple[tuple[str, str], ...]) -> SynonymMap:
    synonyms = SynonymMap.from_pairs(pairs)
    known = _compiled.get(synonyms.stamp)
    if known is None:
        if len(_compiled) > 8:
            _compiled.clear()
        known = _compiled[synonyms.stamp] = synonyms
    return known


def invalidate() -> None:
    """Forget the cached map (after a synonym is saved or deleted); never raises."""
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # noqa: BLE001
        log.warning("Synonym cache unreachable; the old map expires within a day.")


def expand(text: str, synonyms: SynonymMap = EMPTY) -> list[Clause]:
    """Return the clauses of ``text``: each known phrase with its synonyms, each other word alone.

    The phrases are found in the folded text (longest first), taken out of it, and the rest is
    segmented as any query is. Every alternative is segmented by ``query_tokens``, so it holds
    the same words an indexed document that contains the phrase holds.
    """
    text = normalise(text[:MAX_QUERY_CHARS])
    clauses: list[Clause] = []
    rest = text
    if synonyms.pattern is not None:
        pieces, cursor = [], 0
        for match in synonyms.pattern.finditer(text):
            phrase = match.group()
            alternatives = [tuple(query_tokens(phrase))]
            alternatives += [tuple(query_tokens(s)) for s in synonyms.equivalents[phrase]]
            clause = tuple(dict.fromkeys(a for a in alternatives if a))[:MAX_ALTERNATIVES]
            if clause:
                clauses.append(clause)
            pieces.append(text[cursor : match.start()])
            cursor = match.end()
        pieces.append(text[cursor:])
        rest = " ".join(pieces)
    clauses += [((t,),) for t in query_tokens(rest)]
    return list(dict.fromkeys(clauses))[:MAX_QUERY_TOKENS]


def terms_of(clauses: Sequence[Clause]) -> list[str]:
    """Return every token the clauses name (what the page highlights)."""
    return list(dict.fromkeys(t for clause in clauses for alt in clause for t in alt))


def as_clauses(terms: Sequence[str | Clause]) -> list[Clause]:
    """Return ``terms`` as clauses: a plain token is a clause with one one-word alternative."""
    return [((t,),) if isinstance(t, str) else t for t in terms if t]
