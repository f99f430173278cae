"""``{% element_help_link field_name %}``: the 填报说明 link beside an element's field.

Used by the catalog entry change form (templates/admin/catalog/catalogentry/includes/
fieldset.html), editable and read-only alike, so that the catalog app itself never imports the
portal (docs/DESIGN.md, "Which app may import which"). An element held in several fields gets
one link, on its first field; any other field gets nothing.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.html import format_html

from portal.help_content import element_help_url, form_field_elements

register = template.Library()


@cache
def _field_elements():
    return form_field_elements()


@register.simple_tag
def element_help_link(field_name) -> str:
    """Return the 填报说明 link for the element ``field_name`` holds, or "" for other fields."""
    if not isinstance(field_name, str):
        return ""
    # A read-only rendering of a field ("levels_shown" on a submitted entry) keeps its link.
    element = _field_elements().get(field_name.removesuffix("_shown"))
    if element is None:
        return ""
    return format_html(
        '<div class="help element-help"><a href="{}" target="_blank" rel="noopener">'
        '填报说明<span class="visually-hidden">：{}（在新窗口打开）</span></a></div>',
        element_help_url(element),
        element.label,
    )
