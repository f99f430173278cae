"""Refuse an oversized request body before anything reads it.

Django reads a POST body when a view (or the CSRF check) first touches ``request.POST`` or
``request.FILES``; a 200 MB upload used to be written to a temporary file by then, pinning a
worker for half a minute before any limit was checked. Here the declared ``Content-Length`` is
compared with the limit of the URL at once, and a Chinese page (413) answers without reading a
byte. Under WSGI a body longer than its declared length is never read past it, and one without
a length is read as empty, so the declared length is the whole story.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

# URL names with a limit of their own (bytes, and what to tell the person).
IMPORT_URLS = {"catalog_catalogentry_import"}


# What a form around the file adds to the body (fields, multipart boundaries).
FORM_MARGIN = 2**20


def limit_for(path: str) -> tuple[int, int, str]:
    """Return the largest body accepted at ``path``, the file limit to tell the person, and
    the advice shown when it is exceeded."""
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        name = ""
    if name in IMPORT_URLS:
        limit = settings.CATALOG_IMPORT_MAX_BYTES
        return limit + FORM_MARGIN, limit, "请按领域拆分为多个工作簿后分别导入。"
    limit = settings.UPLOAD_MAX_REQUEST_BYTES
    return limit, limit, "请压缩或拆分附件后分几次上传。"


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body is larger than its URL accepts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit, shown, advice = limit_for(request.path_info)
            if length > limit:
                return self.refuse(request, length, shown, advice)
        return self.get_response(request)

    @staticmethod
    def refuse(request, length: int, limit: int, advice: str) -> HttpResponse:
        body = render_to_string(
            "413.html",
            {
                "size_mb": f"{length / 2**20:.1f}",
                "limit_mb": f"{limit / 2**20:.0f}",
                "advice": advice,
                "back": request.path,
            },
        )
        response = HttpResponse(body, status=413)
        # The body was never read: the connection cannot carry another request.
        response["Connection"] = "close"
        return response
