"""Template context shared by every page."""

from django.conf import settings


def site(request):
    """Return the site name and whether the site is showing demonstration data."""
    return {"SITE_NAME": settings.SITE_NAME, "DEMO_MODE": settings.DEMO_MODE}
