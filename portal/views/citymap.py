"""The city map's per-district rules as a stylesheet of the portal's own.

Each district's tip sits at its label point, and hovering or focusing a district outlines it and
shows its tip. Those rules name every district, so they come from the map's data; served as a
stylesheet (not an inline ``<style>`` or ``style`` attributes), they pass the
Content-Security-Policy's ``style-src 'self'``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.http import HttpResponse
from django.views.decorators.http import condition

from portal.citymap import city_map


@lru_cache(maxsize=1)
def citymap_stylesheet() -> str:
    """Return the rules of every district on the city map."""
    rules = []
    for district in city_map().districts:
        code = district.code
        rules.append(
            f".citymap #tip-{code} {{ left: {district.left}%; top: {district.top}%; }}\n"
            f"#map-{code}:is(:hover, :focus) ~ #ring-{code} {{ visibility: visible; }}\n"
            f".citymap:has(#map-{code}:is(:hover, :focus)) #tip-{code} {{ display: block; }}\n"
        )
    return "".join(rules)


def _etag(request) -> str:
    return hashlib.sha256(citymap_stylesheet().encode()).hexdigest()[:16]


@condition(etag_func=_etag)
def citymap_css(request):
    response = HttpResponse(citymap_stylesheet(), content_type="text/css; charset=utf-8")
    # The map changes with an administrative reform (and a deployment), not from day to day;
    # after an hour the browser asks again and gets a 304 while it is unchanged.
    response["Cache-Control"] = "public, max-age=3600"
    return response
