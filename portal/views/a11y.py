"""The 适老化 display-mode switch (大字版 / 标准版), which works without JavaScript."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.context_processors import (
    A11Y_COOKIE,
    A11Y_COOKIE_MAX_AGE,
    A11Y_LARGE,
    A11Y_STANDARD,
    a11y_mode,
)


def safe_next(request, candidate: str | None) -> str:
    """Return ``candidate`` when it is a same-site address, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


# Exempt from CSRF: a forged request can only change how the visitor's own pages look.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def a11y_toggle(request):
    """Set the display-mode cookie and go back to the page the visitor came from.

    ``mode`` is "large" or "standard"; without it the mode flips. A display preference is not
    worth a CSRF token (which would make every public page uncacheable), so a plain link does.
    """
    params = request.POST if request.method == "POST" else request.GET
    mode = params.get("mode")
    if mode not in (A11Y_LARGE, A11Y_STANDARD):
        mode = A11Y_STANDARD if a11y_mode(request) == A11Y_LARGE else A11Y_LARGE
    response = HttpResponseRedirect(safe_next(request, params.get("next")))
    response.set_cookie(
        A11Y_COOKIE,
        mode,
        max_age=A11Y_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        # Read by a11y.js, which switches the mode in place when scripts run.
        httponly=False,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
