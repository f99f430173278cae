"""Template filters for element values and changes (``catalog.display``)."""

from __future__ import annotations

from django import template

from catalog import display

register = template.Library()


@register.filter
def element_value(description):
    """Render a value description from ``display.shown``."""
    return display.value_html(description)


@register.filter
def element_change(item):
    """Render a change from ``display.change`` as 原值 → 新值."""
    return display.change_html(item)
