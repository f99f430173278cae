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


# A tag, end tag, comment or doctype starts with "<" and one of these; text without any is no HTML.
_MARKUP = re.compile(r"<[A-Za-z/!?]")
# A line holding nothing but whitespace (the ideographic space too) ends a paragraph.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


def paragraphs_from_text(text: str) -> str:
    """Return ``text`` that holds no markup as ``<p>`` paragraphs split at its blank lines, its
    other line breaks as ``<br>``; return ``text`` unchanged when it holds markup."""
    if not text or _MARKUP.search(text):
        return text or ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        # Only ASCII blanks go: a leading ideographic space is the first-line indent of a
        # Chinese paragraph, and the page shows it.
        lines = [line.strip(" \t") for line in block.strip("\n").split("\n")]
        if any(line.strip() for line in lines):
            # The newline after <br> keeps the two lines apart in plain-text excerpts.
            paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "\n".join(paragraphs)


def clean_html(html: str) -> str:
    """Return ``html`` with everything but the allowed tags, attributes and URL schemes removed;
    a body typed as plain text (no markup at all) becomes paragraphs first."""
    # Bodies typed into the plain textarea before the rich-text editor have blank lines between
    # paragraphs, which HTML collapses into one run-on paragraph: give them <p> and <br>. The
    # text is not escaped here; it has no tags, and nh3 escapes what needs it.
    return nh3.clean(
        paragraphs_from_text(html or ""),
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
