"""How element values read on staff pages: one formatter for the review panel and the import
preview, so that no page shows a Python list or dict.

``shown(element, value)`` describes a value as ``services.display_value`` or a published
snapshot holds it (channel names, the two 全社会/特定群体 or 主动/依申请 flags, 公开层级 as
``[{"level": …, "channels": […]}]`` or, in older data, ``{level: True/False}``) as a small,
JSON-able dict, cut to ``Bounds``: an import job keeps it in its result and renders it later.

* ``{"kind": "empty"}``
* ``{"kind": "text", "text": …, "cut": characters left out}``
* ``{"kind": "list", "items": [...], "more": items left out}``
* ``{"kind": "table", "head": [..., ...], "rows": [[name, text or [items]], ...], "more": n}``

``value_html`` renders one; ``change_html`` renders a change as 原值 → 新值 in ``<del>`` and
``<ins>``, each with a text label (screen readers do not announce del/ins, and the change must
not be told by colour alone). ``entry_changes`` is what the review panel compares: the entry as
published against its working copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .elements import FLAGS, SPECS, flag_labels
from .models import CatalogEntry, Element
from .services import display_value, get_value

FLAG_LABELS = {spec.name: flag_labels(spec.name) for spec in SPECS if spec.kind == FLAGS}
LEVEL_HEAD = ["公开层级", "公开渠道和载体"]
LEVEL_FLAG_HEAD = ["公开层级", "是否公开"]
EXTRA_HEAD = ["列名", "内容"]
EMPTY: dict[str, Any] = {"kind": "empty"}


@dataclass(frozen=True)
class Bounds:
    """How much of one value is shown: characters of a text, items of a list, table rows."""

    text_chars: int = 2_000
    items: int = 60
    rows: int = 30
    item_chars: int = 200


FULL = Bounds()
# An import preview lists up to a hundred rows of changes: each value is shown shorter.
PREVIEW = Bounds(text_chars=300, items=20, rows=10, item_chars=100)


# -- describing -----------------------------------------------------------------------------


def shown(element: str, value: Any, bounds: Bounds = FULL) -> dict[str, Any]:
    """Return ``value`` of ``element`` as a bounded description (see the module docstring)."""
    if _blank(value):
        return EMPTY
    if element in FLAG_LABELS and isinstance(value, list | tuple):
        labels = FLAG_LABELS[element]
        return _list([label for flag, label in zip(value, labels, strict=False) if flag], bounds)
    if element == Element.LEVELS:
        return _levels(value, bounds)
    if element == Element.ITEM_TYPE and value in CatalogEntry.ItemType.values:
        return _text(str(CatalogEntry.ItemType(value).label), bounds)
    return _any(value, bounds)


def shown_extra(columns: dict[str, Any], bounds: Bounds = FULL) -> dict[str, Any]:
    """Return a workbook's other columns (heading → text) as a table."""
    if _blank(columns):
        return EMPTY
    rows = [[_clip(str(k), bounds.item_chars), _plain(v, bounds)] for k, v in columns.items()]
    return _table(EXTRA_HEAD, rows, bounds)


def _blank(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value or all(_blank(v) for v in value)
    return False


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(text: str, bounds: Bounds) -> dict[str, Any]:
    text = text.strip()
    if not text:
        return EMPTY
    cut = max(0, len(text) - bounds.text_chars)
    return {"kind": "text", "text": text[: bounds.text_chars], "cut": cut}


def _list(items: list[str], bounds: Bounds) -> dict[str, Any]:
    items = [item for item in items if item]
    if not items:
        return EMPTY
    return {
        "kind": "list",
        "items": [_clip(item, bounds.item_chars) for item in items[: bounds.items]],
        "more": max(0, len(items) - bounds.items),
    }


def _table(head: list[str], rows: list[list], bounds: Bounds) -> dict[str, Any]:
    if not rows:
        return EMPTY
    return {
        "kind": "table",
        "head": head,
        "rows": rows[: bounds.rows],
        "more": max(0, len(rows) - bounds.rows),
    }


def _plain(value: Any, bounds: Bounds) -> str | list[str]:
    """Return a value as one line of text, or a list of lines; never a Python repr."""
    if isinstance(value, list | tuple):
        items = [_flat(v) for v in value]
        items = [_clip(item, bounds.item_chars) for item in items if item]
        return items[: bounds.items]
    return _clip(_flat(value), bounds.text_chars)


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{_flat(k)}：{_flat(v)}" for k, v in value.items() if not _blank(v))
    if isinstance(value, list | tuple):
        return "、".join(text for text in map(_flat, value) if text)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _any(value: Any, bounds: Bounds) -> dict[str, Any]:
    if isinstance(value, dict):
        rows = [[_clip(_flat(k), bounds.item_chars), _plain(v, bounds)] for k, v in value.items()]
        return _table(EXTRA_HEAD, rows, bounds)
    if isinstance(value, list | tuple):
        return _list([_flat(v) for v in value], bounds)
    return _text(_flat(value), bounds)


def _level_cell(value: Any, bounds: Bounds) -> str | list[str]:
    """Return what one level says: its channels (a list), 是/否, or its text."""
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in _split(value)) if v]
    return _plain(value, bounds)


def _split(text: str) -> list[str]:
    for mark in "，,；;":
        text = text.replace(mark, "、")
    return text.split("、")


def _levels(value: Any, bounds: Bounds) -> dict[str, Any]:
    """公开层级: a table of level × channels, or level × 是/否 for a {level: bool} mapping."""
    rows: list[list] = []
    head = LEVEL_HEAD
    if isinstance(value, dict):
        if all(isinstance(v, bool) or v is None for v in value.values()):
            head = LEVEL_FLAG_HEAD
            rows = [[_clip(_flat(k), bounds.item_chars), _flat(bool(v))] for k, v in value.items()]
        else:
            rows = [
                [_clip(_flat(k), bounds.item_chars), _level_cell(v, bounds)]
                for k, v in value.items()
            ]
    elif isinstance(value, list | tuple):
        for level in value:
            if isinstance(level, dict):
                name = level.get("level", level.get("name", ""))
                channels = level.get("channels", [])
                rows.append([_clip(_flat(name), bounds.item_chars), _level_cell(channels, bounds)])
            elif not _blank(level):
                rows.append([_clip(_flat(level), bounds.item_chars), []])
    else:
        return _any(value, bounds)
    return _table(head, rows, bounds)


def weight(description: dict[str, Any]) -> int:
    """Return about how many characters a description shows (for a page's budget)."""
    kind = description.get("kind")
    if kind == "text":
        return len(description["text"])
    if kind == "list":
        return sum(len(item) + 8 for item in description["items"])
    if kind == "table":
        total = 0
        for name, cell in description["rows"]:
            cells = cell if isinstance(cell, list) else [cell]
            total += len(name) + sum(len(c) + 8 for c in cells) + 16
        return total
    return 4


def change(label: str, old: dict[str, Any], new: dict[str, Any], note: str = "") -> dict:
    """Return one element's change as the templates and ``change_html`` take it."""
    return {"label": label, "old": old, "new": new, "note": note}


# -- rendering --------------------------------------------------------------------------------


def _cell_html(cell: str | list[str]) -> SafeString:
    if isinstance(cell, list):
        if not cell:
            return format_html('<span class="value-empty">{}</span>', "（无）")
        return format_html(
            '<ul class="value-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((c,) for c in cell)),
        )
    return (
        format_html("{}", cell) if cell else format_html('<span class="value-empty">（无）</span>')
    )


def value_html(description: dict[str, Any] | None) -> SafeString:
    """Render a description from ``shown``: text, an item list, or a table; never a repr."""
    description = description or EMPTY
    kind = description.get("kind")
    if kind == "text":
        cut = description.get("cut") or 0
        more = (
            format_html('<span class="value-more">……（另有 {} 字未显示）</span>', cut)
            if cut
            else ""
        )
        return format_html('<span class="value-text">{}</span>{}', description["text"], more)
    if kind == "list":
        more = description.get("more") or 0
        return format_html(
            '<ul class="value-list">{}</ul>{}',
            format_html_join("", "<li>{}</li>", ((item,) for item in description["items"])),
            format_html('<span class="value-more">另有 {} 项未显示</span>', more) if more else "",
        )
    if kind == "table":
        first, second = description["head"]
        body = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((name, _cell_html(cell)) for name, cell in description["rows"]),
        )
        more = description.get("more") or 0
        return format_html(
            '<table class="value-table"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>{}',
            first,
            second,
            body,
            format_html('<span class="value-more">另有 {} 行未显示</span>', more) if more else "",
        )
    return mark_safe('<span class="value-empty">（无）</span>')


def change_html(item: dict[str, Any]) -> SafeString:
    """Render one change from ``change`` as 原值 → 新值, each labelled in text."""
    return format_html(
        '<div class="value-change">'
        '<del class="value-old"><span class="change-label">原值'
        '<span class="visually-hidden">：</span></span>{}</del>'
        '<span class="change-arrow" aria-hidden="true">→</span>'
        '<ins class="value-new"><span class="change-label">新值'
        '<span class="visually-hidden">：</span></span>{}</ins>'
        "</div>",
        value_html(item.get("old")),
        value_html(item.get("new")),
    )


# -- the review panel -------------------------------------------------------------------------


def working_values(entry: CatalogEntry) -> dict[str, Any]:
    """Return the entry's working copy as a published snapshot holds it (channel names)."""
    return {
        element: display_value(element, get_value(entry, element)) for element in Element.values
    }


def entry_changes(entry: CatalogEntry, working: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return what the review panel compares: the published entry → its working copy.

    ``published`` says whether the entry was ever approved; ``changes`` lists, in the elements'
    order, each element whose working value differs from the published one (every element
    with a value when it was never published, with nothing as 原值). A followed element whose
    working value is not what its source published carries a note: approval publishes the
    source's value. ``working`` is the entry's ``working_values`` when the caller has them.
    """
    if working is None:
        working = working_values(entry)
    published = entry.published_values
    source = entry.source.published_values if entry.source_id and entry.source else None
    changes = []
    for element in Element:
        new = working.get(element.value)
        old = published.get(element.value) if published is not None else None
        if (published is not None and old == new) or (_blank(old) and _blank(new)):
            continue
        note = ""
        follows = entry.source_id and element.value not in entry.overridden
        if follows and source is not None and source.get(element.value) != new:
            note = (
                "本级跟随上级：审核通过后公众看到的是上级已发布的值，见下方“派生关系与要素状态”。"
            )
        changes.append(
            change(str(element.label), shown(element.value, old), shown(element.value, new), note)
        )
    was_dropped = bool(published and published.get("is_dropped"))
    if published is not None and was_dropped != entry.is_dropped:
        now = f"已删减（{entry.get_drop_reason_display()}）" if entry.is_dropped else "公开"
        old_state = _text("已删减" if was_dropped else "公开", FULL)
        changes.append(change("事项状态", old_state, _text(now, FULL)))
    return {"published": published is not None, "changes": changes}
