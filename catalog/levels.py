"""The canonical 公开层级 (disclosure levels) and the variant labels real catalogs use for them.

Catalogs name their level columns differently (县级 / 区级 / 县(市、区)级, 乡级 / 镇(街)级 /
乡镇(街道)级, and combined columns such as 乡、村级). The portal keeps four canonical levels, in
this order, so that every division's table has the same columns and a district's and its
townships' lines line up. ``canonical_levels`` maps one label to the canonical level(s) it
stands for; an import reports every label it mapped (catalog/workbooks/read.py).
"""

from __future__ import annotations

import re

CITY, COUNTY, TOWNSHIP, VILLAGE = "市级", "县级", "乡级", "村级"
CANONICAL: tuple[str, ...] = (CITY, COUNTY, TOWNSHIP, VILLAGE)

# Each level's words: a label names a level when one of its parts is one of these.
_WORDS: dict[str, tuple[str, ...]] = {
    CITY: ("市", "地市", "设区的市", "市州", "州"),
    COUNTY: ("县", "区", "县市区", "县区", "区县", "县市", "县级市", "旗", "市辖区"),
    TOWNSHIP: ("乡", "镇", "街", "街道", "乡镇", "镇街", "乡镇街道", "苏木"),
    VILLAGE: ("村", "社区", "居", "村居", "村社区", "嘎查", "村组"),
}
_LOOKUP = {word: level for level, words in _WORDS.items() for word in words}
_BY_LENGTH = sorted(_LOOKUP.items(), key=lambda pair: -len(pair[0]))
# Separators inside a label: 乡、村级, 县(市、区)级, 镇/街级, 乡镇（街道）级.
_PARTS = re.compile(r"[、，,/／\s和及与]+")
_QUALIFIER = re.compile(r"[(（][^()（）]*[)）]")


def canonical_levels(label: str) -> tuple[str, ...]:
    """Return the canonical levels ``label`` stands for, in canonical order; () if none.

    A parenthesised qualifier names the same level (县(市、区)级 is 县级; 乡镇(街道)级 is
    乡级) unless it is a level further down (乡(村)级 is 乡级 and 村级), as catalogs use it.
    """
    text = str(label or "").strip()
    if text in CANONICAL:
        return (text,)
    main = _QUALIFIER.sub(" ", text)
    found = _parse(main)
    if not found:
        return ()
    lowest = max(CANONICAL.index(level) for level in found)
    for qualifier in _QUALIFIER.findall(text):
        below = {lvl for lvl in _parse(qualifier[1:-1]) if CANONICAL.index(lvl) > lowest}
        found |= below
    return tuple(level for level in CANONICAL if level in found)


def merge_levels(levels: list[tuple[tuple[str, ...], list[str]]]) -> list[dict]:
    """Return ``levels`` (each: its canonical levels, its channels) as stored: one dict per
    canonical level, in canonical order, with the channels of every label naming it, unrepeated.
    """
    merged: dict[str, list[str]] = {}
    for names, channels in levels:
        for name in names:
            kept = merged.setdefault(name, [])
            kept.extend(c for c in channels if c not in kept)
    return [{"level": name, "channels": merged[name]} for name in CANONICAL if name in merged]


def canonical_stored(levels) -> list[dict] | None:
    """Return ``levels`` (as stored: [{level, channels}]) with canonical level names, merged and
    in canonical order; None when they already are canonical or a label names no level (an
    entry to correct by hand, which its form or the next import reports)."""
    if not isinstance(levels, list) or not levels:
        return None
    rows = [row for row in levels if isinstance(row, dict)]
    if len(rows) != len(levels):
        return None
    mapped = []
    for row in rows:
        names = canonical_levels(str(row.get("level", "")))
        if not names:
            return None
        channels = row.get("channels") or []
        if not isinstance(channels, list):
            return None  # malformed: rewriting would lose it; its form reports it
        mapped.append((names, [str(c) for c in channels]))
    merged = merge_levels(mapped)
    return None if merged == levels else merged


def canonicalise_stored_levels(entry_model, *, batch_size: int = 2000) -> int:
    """Rewrite the catalog entries whose stored 公开层级 (working copy or published snapshot)
    use variant labels (区级, 镇(街)级, 乡、村级) with the canonical ones; return how many changed.

    Entries with a label that names no level are left as they are. ``entry_model`` is the
    CatalogEntry model, or its historical version in a migration.
    """
    changed = 0
    pending = []
    rows = entry_model.objects.only("pk", "levels", "published_values").order_by("pk")
    for entry in rows.iterator(chunk_size=batch_size):
        fields = []
        working = canonical_stored(entry.levels)
        if working is not None:
            entry.levels = working
            fields.append("levels")
        snapshot = entry.published_values
        if isinstance(snapshot, dict):
            published = canonical_stored(snapshot.get("levels"))
            if published is not None:
                entry.published_values = {**snapshot, "levels": published}
                fields.append("published_values")
        if fields:
            pending.append(entry)
        if len(pending) >= batch_size:
            entry_model.objects.bulk_update(pending, ["levels", "published_values"])
            changed += len(pending)
            pending = []
    if pending:
        entry_model.objects.bulk_update(pending, ["levels", "published_values"])
        changed += len(pending)
    return changed


def _parse(text: str) -> set[str]:
    """Return the levels named by the parts of ``text``; empty if any part is unknown."""
    found: set[str] = set()
    for part in _PARTS.split(text.strip()):
        part = part.removesuffix("级").removesuffix("层").removesuffix("级").removesuffix("本")
        if not part:
            continue
        level = _LOOKUP.get(part)
        if level is None:
            # 乡镇人民政府 / 村民委员会: the longest known word the part starts with decides.
            level = next((lvl for word, lvl in _BY_LENGTH if part.startswith(word)), None)
        if level is None:
            return set()
        found.add(level)
    return found


# A division's own level (districts.models.Division.Level's values) as a canonical level.
DIVISION_LEVEL = {"city": CITY, "county": COUNTY, "township": TOWNSHIP}


def levels_from(division) -> tuple[str, ...]:
    """Return the canonical levels from ``division``'s own level down (a township: 乡级, 村级)."""
    own = DIVISION_LEVEL.get(str(division.level), CITY)
    return CANONICAL[CANONICAL.index(own) :]
