"""The rich-text editor of a publication's body: django-prose-editor's Tiptap build, self-hosted.

The editor is a convenience, not a safeguard: what it posts is sanitised by nh3 on save
(``publications.sanitise.clean_html``), whatever the browser sent.

It is started by ``static/publications/body_editor.js`` rather than the package's own widget
media, because of the Content-Security-Policy (``script-src 'self'; style-src 'self'``, no
nonce): the package's widget renders an inline ``<script type="importmap">`` and Tiptap appends
an inline ``<style>`` to ``<head>``, and the policy refuses both. The module loads the editor by
its static URL instead and turns Tiptap's style injection off (``body_editor.css`` has those
rules).
"""

from __future__ import annotations

import json

from django import forms
from django.templatetags.static import static
from django_prose_editor.config import expand_extensions

from .sanitise import clean_html

# What a disclosure page needs and ``sanitise.ALLOWED_TAGS`` keeps: paragraphs, headings h2–h4
# (the page's title is the h1), emphasis, lists, quotes, tables and links. No images, colours,
# fonts, alignment or classes: the schema drops them, so pasted Word formatting goes too.
EXTENSIONS = {
    "Paragraph": True,
    "HardBreak": True,
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Subscript": True,
    "Superscript": True,
    "BulletList": True,
    # No start/type dialog: the sanitiser drops those attributes of <ol> anyway.
    "OrderedList": {"enableListAttributes": False},
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    # http, https and mailto only (checked in body_editor.js); no target="_blank" to offer, since
    # the sanitiser drops target and sets rel itself.
    "Link": {"enableTarget": False},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    # Chinese text has no spaces between words; the browser's spell check underlines everything.
    "NoSpellCheck": True,
}

#: The editor's module, which body_editor.js imports from the URL the textarea names.
EDITOR_JS = "django_prose_editor/editor.js"


class BodyEditorWidget(forms.Textarea):
    """A textarea that body_editor.js turns into the rich-text editor (a plain textarea without
    JavaScript)."""

    class Media:
        css = {
            "all": [
                "django_prose_editor/material-icons.css",
                "django_prose_editor/editor.css",
                "django_prose_editor/overrides.css",
                "publications/body_editor.css",
            ]
        }
        js = [forms.Script("publications/body_editor.js", type="module")]

    def __init__(self, attrs=None):
        super().__init__({"rows": 14, "cols": 90, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        config = {"editor": static(EDITOR_JS), "extensions": expand_extensions(EXTENSIONS)}
        context["widget"]["attrs"]["data-body-editor"] = json.dumps(
            config, separators=(",", ":"), ensure_ascii=False
        )
        return context

    def format_value(self, value):
        # What the editor starts from is what the page would show: sanitised, and an old body
        # typed as plain text split into paragraphs at its blank lines (the editor would read
        # it as HTML and run the paragraphs together).
        return clean_html(value) if value else value

    def use_required_attribute(self, initial):
        # The textarea is hidden once the editor starts: the browser could not point at it.
        return False
