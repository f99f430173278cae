"""The Content-Security-Policy header (django-csp), with the 500 page's style allowed by its hash.

The 500 page is plain HTML with its style inline on purpose: it must render when static files,
templates' context or the database are what broke (see templates/500.html). Its one ``<style>``
block is allowed by its SHA-256 on 500 responses only, so no other page gains an inline style.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


@cache
def server_error_style_hash() -> str | None:
    """Return the CSP source (``'sha256-…'``) of the 500 page's style block, if it has one."""
    text = (settings.BASE_DIR / "templates" / "500.html").read_text(encoding="utf-8")
    match = STYLE_BLOCK.search(text)
    if match is None:
        return None
    digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; a 500 response also allows the 500 page's own style block."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        style_hash = server_error_style_hash() if response.status_code == 500 else None
        if style_hash:
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), style_hash]
            parts.update = update
        return parts
