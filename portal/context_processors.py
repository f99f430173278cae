"""Template context shared by every page."""

from __future__ import annotations

import re

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


def site_identity() -> dict:
    """Return the footer's site identity from settings: who runs the site, how to reach them,
    and its 网站标识码 and filings with links to the registers (empty values left out)."""
    psb_digits = re.sub(r"\D", "", settings.SITE_PSB)
    contact_parts = [
        part
        for part in (
            f"地址：{settings.SITE_ADDRESS}" if settings.SITE_ADDRESS else "",
            f"邮编：{settings.SITE_POSTCODE}" if settings.SITE_POSTCODE else "",
            f"电话：{settings.SITE_PHONE}" if settings.SITE_PHONE else "",
        )
        if part
    ]
    return {
        "sponsor": settings.SITE_SPONSOR,
        "operator": settings.SITE_OPERATOR,
        "contact": "　".join(contact_parts),
        "contact_parts": contact_parts,
        "email": settings.SITE_EMAIL,
        "id_code": settings.SITE_ID_CODE,
        "icp": settings.SITE_ICP,
        "icp_url": settings.SITE_ICP_URL if settings.SITE_ICP else "",
        "psb": settings.SITE_PSB,
        "psb_url": settings.SITE_PSB_URL.format(code=psb_digits) if psb_digits else "",
        "gov_mark_url": settings.SITE_GOV_MARK_URL,
        "gov_mark_image": settings.SITE_GOV_MARK_IMAGE,
        # A demo has no filings of its own; the footer says so instead of inventing numbers.
        "unfiled": settings.DEMO_MODE and not (settings.SITE_ID_CODE or settings.SITE_ICP),
    }


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
        "SITE_IDENTITY": SimpleLazyObject(site_identity),
    }
