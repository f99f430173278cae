"""Make publication text safe to show: rich text through nh3, file names through a whitelist."""

from __future__ import annotations

import re
import unicodedata

import nh3

# What an office's rich-text editor produces and a disclosure page needs: structure, emphasis,
# lists, tables and links. No scripts, styles, forms, frames or event handlers.
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "sub",
    "sup",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def clean_html(html: str) -> str:
    """Return ``html`` with everything but the allowed tags, attributes and URL schemes removed."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def clean_text(text: str) -> str:
    """Return plain text with control characters removed and whitespace collapsed."""
    text = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C" or ch in "\t ")
    return re.sub(r"\s+", " ", text).strip()


_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


def clean_filename(name: str, limit: int = 120) -> str:
    """Return a display name without path parts, markup or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", clean_text(name)).strip(" .")
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:limit]
    return name or "附件"
