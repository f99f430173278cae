"""Chinese word segmentation (jieba) for indexing and queries, and highlighted snippets.

jieba's dictionary loads once per process, on first use (about a second), and is shared; the
portal's own terms (fixtures/jieba_userdict.txt: 最低生活保障, 特困供养, 公共租赁住房 …) are
added to it then, so that they segment as units. Indexing and queries segment through the same
``segment``, so they always agree; after the user dictionary changes, documents are segmented
again by ``manage.py rebuild_search_index``.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import threading
import unicodedata

import jieba
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

jieba.setLogLevel(logging.WARNING)

# Anything that is not a letter or digit goes: punctuation, spaces, and every tsquery
# operator (& | ! ( ) : * ' \ < > -) with it. PostgreSQL's parser then reads each token as
# one word, exactly as SQLite's space-delimited match does.
_NOT_WORD = re.compile(r"[\W_]+")
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")

# A query longer than this is cut (and the page says so): 2,000 characters of input would
# otherwise become hundreds of AND-ed terms.
MAX_QUERY_CHARS = 60
MAX_QUERY_TOKENS = 12

_ready = threading.Lock()
_initialised = False


def user_dictionary_path():
    """Return the path of the portal's jieba user dictionary (one term a line)."""
    return settings.FIXTURES_DIR / "jieba_userdict.txt"


def user_terms() -> list[str]:
    """Return the terms of the user dictionary (its first column; blank lines and # skipped)."""
    path = user_dictionary_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def _ensure_dictionary() -> None:
    global _initialised
    if not _initialised:
        with _ready:
            if not _initialised:
                jieba.initialize()
                # add_word without a frequency asks jieba for one just high enough to keep the
                # term whole (suggest_freq), so a term never swallows its neighbours' words.
                for term in user_terms():
                    jieba.add_word(term)
                _initialised = True


def normalise(text: str) -> str:
    """Return ``text`` with full-width forms folded (NFKC) and lowercased."""
    return unicodedata.normalize("NFKC", text or "").lower()


def html_to_text(value: str) -> str:
    """Return the plain text of sanitised HTML: tags dropped, entities decoded, spaces collapsed."""
    text = _TAGS.sub(" ", value or "")
    return _SPACE.sub(" ", html.unescape(text)).strip()


def _clean(token: str) -> str:
    return _NOT_WORD.sub("", token)


def segment(text: str) -> list[str]:
    """Return the search-engine segmentation of ``text`` (jieba ``cut_for_search``), cleaned.

    Tokens are lowercased; punctuation and empty tokens are dropped; order and repeats are kept
    (ranking counts them).
    """
    _ensure_dictionary()
    tokens = (_clean(t) for t in jieba.cut_for_search(normalise(text)))
    return [t for t in tokens if t]


# jieba reads about 70,000 characters a second in pure Python; much indexed text repeats
# (a derived catalog entry carries its source's words, generated bodies share a template), so
# parts up to this length are segmented once per process.
CACHED_PART_CHARS = 4000


@functools.lru_cache(maxsize=20_000)
def _segment_part(text: str) -> tuple[str, ...]:
    return tuple(segment(text))


def tokens_for(*parts: str) -> str:
    """Return the ``tokens`` column value for a document made of ``parts`` (each segmented)."""
    tokens: list[str] = []
    for part in parts:
        if part:
            tokens.extend(_segment_part(part) if len(part) <= CACHED_PART_CHARS else segment(part))
    return " ".join(tokens)


def query_tokens(query: str) -> list[str]:
    """Return the terms that a document must all contain to match ``query``.

    ``cut_for_search`` emits both words and the shorter words inside them (建设项目 and 建设,
    项目); a query keeps only the finest, which every document holding the phrase also holds
    whatever its context did to the longer word.
    """
    tokens = list(dict.fromkeys(segment(query[:MAX_QUERY_CHARS])))
    finest = [t for t in tokens if not any(o != t and o in t for o in tokens)]
    return finest[:MAX_QUERY_TOKENS]


def highlight(text: str, terms: list[str], *, width: int | None = None) -> SafeString:
    """Return ``text`` escaped, with each occurrence of ``terms`` wrapped in ``<mark>``.

    Matches are found in the plain text and every piece is escaped on its own before the marks
    go around it, so no markup in ``text`` (or in a term) ever reaches the page unescaped. With
    ``width``, return a window of about that many characters around the first match.
    """
    text = text or ""
    spans = _spans(text, terms)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        pieces.append(html.escape(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece was escaped above


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Return the merged, sorted [start, end) ranges where any of ``terms`` occurs in ``text``."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms or not text:
        return []
    # Match on a folded copy whose offsets are the text's own; when folding changes the
    # length (rare ligatures and dotted capitals), fall back to the text itself.
    folded = normalise(text)
    if len(folded) != len(text):
        folded = text if len(text.lower()) != len(text) else text.lower()
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        a, b = match.span()
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return spans
