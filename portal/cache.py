"""Cache the public pages, and drop them when something under them is published.

Each cached page's key carries the current numbers ("generations") of what it shows: a division
column carries its division's generation, which goes up whenever a publication of that division
or of any division below it is published, withdrawn or replaced; the catalog's generation goes up
whenever catalog entries are published; the guides' generation after a sync that wrote guides.
A new number makes a new key, so the old page is never served again (it expires unused). Reading
the numbers is one cache round trip and no database query, so a hit costs no query at all.

The cache is Django's (Redis in production, so every web process shares it); pages are kept for
PUBLIC_CACHE_SECONDS (0 turns caching off). Staff who are logged in always get fresh pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from districts.models import Division

from .context_processors import a11y_mode

PREFIX = "public-page"
GEN = "public-gen"
ALL = "all"  # every page: bulk loads that bypass the services
HOME = "home"  # the home page: anything published anywhere
CATALOG = "catalog"  # catalog entries published (their snapshots cascade across divisions)
GUIDES = "guides"  # a sync wrote guides


def division_gen(slug: str) -> str:
    return f"division:{slug}"


def entry_gen(pk: int) -> str:
    return f"entry:{pk}"


def publication_gen(pk: int) -> str:
    return f"publication:{pk}"


def generations(names: Iterable[str]) -> list[int]:
    """Return the current number of each name (0 for a name never bumped), in one round trip."""
    names = list(names)
    found = cache.get_many([f"{GEN}:{n}" for n in names])
    return [found.get(f"{GEN}:{n}", 0) for n in names]


def bump(names: Iterable[str], *, owe: bool = True) -> bool:
    """Move each name to a new number, so that pages keyed on the old one are not served.

    Return False when the cache could not be reached. Then, with ``owe``, the bump is recorded
    in the outbox and a worker makes it once the cache answers again, so that a page cached
    before the outage is not served as current afterwards.
    """
    names = sorted(set(names))
    failures = getattr(cache, "failures", 0)
    for name in names:
        key = f"{GEN}:{name}"
        # add() is atomic: the first bump sets 1; later ones increment (atomic on Redis).
        if not cache.add(key, 1, timeout=None):
            try:
                cache.incr(key)
            except ValueError:  # evicted between add() and incr(), or the cache is down
                cache.set(key, 1, timeout=None)
    if getattr(cache, "failures", 0) == failures:
        return True
    if owe:
        from outbox.services import enqueue

        from .tasks import bump_generations

        enqueue(bump_generations, names)
    return False


def division_names(division_ids: Iterable[int]) -> list[str]:
    """Return the generation names of the divisions and all their ancestors."""
    divisions = list(Division.objects.filter(pk__in=set(division_ids)))
    names = set()
    for division in divisions:
        names.update(division_gen(d.slug) for d in division.ancestors(include_self=True))
    return sorted(names)


def bump_on_commit(names: Iterable[str]) -> None:
    """Bump once the current transaction commits (a rolled-back change shows nothing new)."""
    names = list(names)
    transaction.on_commit(lambda: bump(names))


def page_number(raw: str | None) -> int:
    """Return a ``page`` parameter as a positive integer; anything malformed is page 1."""
    raw = (raw or "1").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_PAGE_DIGITS:
        return 1
    return max(int(raw), 1)


# Page numbers beyond this are not parsed (a 4,000-digit number costs the int() parser).
MAX_PAGE_DIGITS = 6
# The query parameters a cached page may read, each with how its value is normalised. Only
# these reach the key: ``?utm_source=…`` or ``?x=1``, ``?x=2``… are the same page, not a new
# entry in the cache each (an unbounded number of keys was one page flood away).
PARAMETERS: dict[str, Callable[[str], str]] = {
    "page": lambda raw: str(page_number(raw)),
    # The publication list's filters: anything off the pattern is the unfiltered list.
    "type": lambda raw: _pattern(raw, r"[a-z][a-z0-9-]{0,19}"),
    "theme": lambda raw: _pattern(raw, r"\d{2}(?:\.\d{2})?"),
    "year": lambda raw: _pattern(raw, r"20\d{2}"),
    # A version of the 政府信息公开指南.
    "v": lambda raw: _pattern(raw, r"[1-9]\d{0,3}"),
    # An annual report on the 年报 page, and the download it asks for.
    "report": lambda raw: _pattern(raw, r"[1-9]\d{0,9}"),
    "format": lambda raw: _pattern(raw, r"xlsx|pdf"),
}


def _pattern(raw: str, pattern: str) -> str:
    """Return ``raw`` stripped when it matches ``pattern`` whole, else ""."""
    raw = (raw or "").strip()
    return raw if re.fullmatch(pattern, raw) else ""


def page_key(request, params: tuple[str, ...]) -> str:
    """Return the path and the normalised values of ``params`` that the page reads."""
    values = []
    for name in params:
        raw = request.GET.get(name)
        if raw is not None:
            values.append(f"{name}={PARAMETERS[name](raw)}")
    return "?".join([request.path, "&".join(values)])


def cached_page(scope: Callable[..., list[str]], *, params: tuple[str, ...] = ()):
    """Serve the view's successful GET responses from the cache.

    ``scope(**view_kwargs)`` returns the generation names the page depends on; it must not query
    the database. ``params`` names the query parameters the view reads (normalised as
    ``PARAMETERS`` says); every other parameter is ignored by the key. The key also holds the
    path and the display mode (标准版 / 大字版), which the page renders from a cookie.
    """
    unknown = set(params) - set(PARAMETERS)
    if unknown:
        raise ValueError(f"no normaliser for query parameters {sorted(unknown)}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            seconds = settings.PUBLIC_CACHE_SECONDS
            if not seconds or request.method not in ("GET", "HEAD") or _is_staff_session(request):
                return view(request, *args, **kwargs)
            names = [ALL, *scope(**kwargs)]
            stamp = "-".join(str(n) for n in generations(names))
            raw = f"{page_key(request, params)}|{a11y_mode(request)}|{stamp}"
            key = f"{PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"
            hit = cache.get(key)
            if hit is not None:
                content, content_type, *disposition = hit
                response = HttpResponse(content, content_type=content_type)
                if disposition and disposition[0]:
                    # A download keeps its file name when served again.
                    response["Content-Disposition"] = disposition[0]
                response["X-Page-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                disposition = response.get("Content-Disposition", "")
                cache.set(key, (response.content, response["Content-Type"], disposition), seconds)
                response["X-Page-Cache"] = "miss"
            return response

        return wrapped

    return decorator


def _is_staff_session(request) -> bool:
    # Only a request with a session cookie can be a logged-in user; anonymous visitors without
    # one cost no session query.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


# What each kind of page depends on ---------------------------------------------------------------


def home_scope(**kwargs) -> list[str]:
    return [HOME, CATALOG]


def division_scope(*, slug: str, **kwargs) -> list[str]:
    return [division_gen(slug), CATALOG]


def entry_scope(*, pk: int, **kwargs) -> list[str]:
    return [entry_gen(pk), CATALOG, GUIDES]


def publication_scope(*, pk: int, **kwargs) -> list[str]:
    return [publication_gen(pk), CATALOG]


def guide_scope(**kwargs) -> list[str]:
    return [GUIDES, CATALOG]


# When to bump (connected in PortalConfig.ready) ---------------------------------------------------


def on_publication_status_changed(sender, *, publication, from_status, to_status, **kwargs):
    """Drop the pages that show a publication that entered or left the published state."""
    published = "published"
    if published not in (from_status, to_status):
        return
    names = [
        HOME,
        entry_gen(publication.entry_id),
        publication_gen(publication.pk),
        *division_names([publication.division_id]),
    ]
    if publication.replaces_id:
        names.append(publication_gen(publication.replaces_id))
    bump_on_commit(names)


def on_entries_published(sender, **kwargs):
    bump_on_commit([CATALOG, HOME])


def on_publications_loaded(sender, **kwargs):
    bump_on_commit([ALL])


def on_guides_synced(sender, **kwargs):
    bump([GUIDES])


def on_division_saved(sender, *, instance, **kwargs):
    """A column's banner or name changed: drop its pages and those that name it."""
    bump_on_commit([division_gen(instance.slug), HOME, CATALOG])
