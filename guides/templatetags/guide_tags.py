"""Filters for showing synced guides: stored HTML cleaned again, unit-less limits flagged,
links kept to http(s), phone numbers made callable."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from guides.normalise import sanitise

register = template.Library()

# A limit the platform gave as a bare number ("20"): the unit (工作日? 自然日?) is unknown.
_BARE_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_WEB_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s\-（）()]{3,30}$")


@register.filter
def rich(value: str | None) -> SafeString:
    """Return stored rich text sanitised again (defence in depth) and marked safe."""
    return mark_safe(sanitise(value or ""))  # noqa: S308 - nh3 output with a tag whitelist


@register.filter
def time_limit(value: str | None) -> str:
    """Return a time limit as given, with a bare number flagged as having no unit."""
    text = (value or "").strip()
    if _BARE_NUMBER.match(text):
        return f"{text}（平台未注明单位）"
    return text


@register.filter
def web_url(value: str | None) -> str:
    """Return ``value`` when it is an absolute http(s) address, else empty."""
    text = (value or "").strip()
    return text if _WEB_URL.match(text) else ""


@register.filter
def tel_href(value: str | None) -> str:
    """Return a tel: address for a single phone number, else empty (shown as plain text)."""
    text = (value or "").strip()
    if not _PHONE.match(text):
        return ""
    digits = re.sub(r"[^\d+]", "", text)
    return f"tel:{digits}" if len(digits) >= 3 else ""
