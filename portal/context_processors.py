"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from districts.models import Division

# The 适老化 (large text, high contrast) mode lives in a cookie so that the server renders it
# on <html> (no flash of the standard page) and it persists across pages and visits.
A11Y_COOKIE = "portal_mode"
A11Y_LARGE = "large"
A11Y_STANDARD = "standard"
A11Y_COOKIE_MAX_AGE = 60 * 60 * 24 * 365 * 2


def a11y_mode(request) -> str:
    """Return the display mode the request's cookie asks for: "large" or "standard"."""
    return A11Y_LARGE if request.COOKIES.get(A11Y_COOKIE) == A11Y_LARGE else A11Y_STANDARD


def column_nav() -> dict:
    """Return the "1+9" column navigation: the city and its districts, in display order.

    Query cost: exactly ONE query (the tree's top two levels read together through mptt's
    indexed depth column; no join, no per-district query), and only when a template reads it.
    It is memoised for the request, not across requests: a cross-request cache would make
    the per-page query count depend on what an earlier request left behind, and every page's
    count is asserted exactly. Whole public pages are cached above this anyway.
    """
    rows = list(
        Division.objects.filter(depth__lte=1)
        .only("id", "name", "slug", "parent_id", "tree_id", "depth", "display_order", "code")
        .order_by("tree_id", "depth", "display_order", "code")
    )
    city = next((d for d in rows if d.parent_id is None), None)
    if city is None:
        return {"city": None, "counties": []}
    counties = [d for d in rows if d.parent_id == city.pk]
    return {"city": city, "counties": counties}


def site(request):
    """Return the site name, the demo flag, the display mode and the "1+9" navigation.

    Adds at most one query per page (see ``column_nav``), run lazily on first use.
    """
    mode = a11y_mode(request)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEMO_MODE": settings.DEMO_MODE,
        "A11Y_MODE": mode,
        "A11Y_LARGE": mode == A11Y_LARGE,
        "COLUMN_NAV": SimpleLazyObject(column_nav),
    }
