"""How a catalog entry is named where staff pick one (the publication form's entry picker).

"社会救助 · 最低生活保障 · 低保资金发放（芙蓉区）": the domain, the first-level item and the
second-level item, then the division. The item's name alone repeats across domains (every
domain has its 政策法规文件) and the division's across its catalog; together they are unique.
Whoever lists entries by this label joins ``PICKER_RELATED`` so the label asks no more queries.
"""

from __future__ import annotations

#: What ``picker_label`` reads, for ``select_related``.
PICKER_RELATED = ("item__first_level__domain", "division")


def picker_label(entry) -> str:
    """Return "领域 · 一级事项 · 二级事项（区划）" for ``entry``."""
    item = entry.item
    first = item.first_level
    return f"{first.domain.name} · {first.name} · {item.name}（{entry.division.name}）"
