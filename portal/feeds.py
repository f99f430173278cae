"""RSS 2.0 and Atom feeds of the newest published publications of a division or of a domain in it.

A division's feed carries what it and every division below it published, so that a city feed
shows its townships' information too. Every string that reaches the XML is passed through
``clean_text``: a control character in a title would otherwise make the whole feed unreadable
(Django refuses to serialise it). Links are absolute on ``SITE_URL``, like the sitemap's, so that
what readers store does not depend on the Host header a request came with.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from catalog.models import Domain
from districts.models import Division
from publications.models import Publication
from publications.sanitise import clean_html, clean_text

from .sitemaps import absolute_url

FEED_SIZE = 30
EXCERPT_LENGTH = 200
# Bodies can be long; an excerpt never needs more than the start of one.
_BODY_READ_LIMIT = 20_000
# Tags whose edges separate words: the excerpt gets a space there, inline tags join.
_BLOCK_TAGS = {
    "p",
    "br",
    "hr",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "h2",
    "h3",
    "h4",
    "table",
    "caption",
    "blockquote",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")


def plain_excerpt(body: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the start of ``body`` as plain text: sanitised, tags and entities gone, one line."""
    extractor = _TextExtractor()
    extractor.feed(clean_html((body or "")[:_BODY_READ_LIMIT]))
    extractor.close()
    text = clean_text("".join(extractor.parts))
    return text if len(text) <= length else text[:length].rstrip() + "…"


class _PublicationFeed(Feed):
    """The items and item fields both scopes share; subclasses choose the scope and format."""

    language = "zh-CN"
    route = ""  # the URL name of the feed itself, for its self link

    def scope_items(self, obj):
        raise NotImplementedError

    def items(self, obj):
        return (
            self.scope_items(obj)
            .public()
            .select_related("division", "entry__item__first_level__domain")
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item: Publication) -> str:
        return clean_text(item.title)

    def item_link(self, item: Publication) -> str:
        return absolute_url(item.get_absolute_url())

    def item_description(self, item: Publication) -> str:
        # Readers take RSS descriptions and Atom html summaries as HTML: escape the plain text so
        # that an "&lt;script&gt;" written in the body stays text in the reader too.
        return escape(plain_excerpt(item.body), quote=False)

    def item_pubdate(self, item: Publication):
        return item.published_at

    def item_updateddate(self, item: Publication):
        return item.published_at

    def item_author_name(self, item: Publication) -> str:
        return clean_text(item.responsible_body)

    def item_categories(self, item: Publication) -> tuple[str, ...]:
        return (
            clean_text(item.entry.item.first_level.domain.name),
            clean_text(item.division.name),
        )


class DivisionRssFeed(_PublicationFeed):
    feed_type = Rss201rev2Feed
    route = "portal:division_feed_rss"

    def get_object(self, request, slug: str) -> Division:
        return get_object_or_404(Division, slug=slug)

    def scope_items(self, obj: Division):
        return Publication.objects.within(obj)

    def title(self, obj: Division) -> str:
        return f"{clean_text(obj.name)}政务公开信息 · {clean_text(settings.SITE_NAME)}"

    def link(self, obj: Division) -> str:
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj: Division) -> str:
        return absolute_url(reverse(self.route, kwargs={"slug": obj.slug}))

    def description(self, obj: Division) -> str:
        below = "" if obj.is_township else "及所辖区划"
        return f"{clean_text(obj.name)}{below}最新发布的{FEED_SIZE}条政务公开信息。"


class DivisionAtomFeed(DivisionRssFeed):
    feed_type = Atom1Feed
    route = "portal:division_feed_atom"

    def subtitle(self, obj: Division) -> str:
        return self.description(obj)


class DomainRssFeed(_PublicationFeed):
    feed_type = Rss201rev2Feed
    route = "portal:domain_feed_rss"

    def get_object(self, request, slug: str, domain_slug: str) -> tuple[Division, Domain]:
        return (
            get_object_or_404(Division, slug=slug),
            get_object_or_404(Domain, slug=domain_slug),
        )

    def scope_items(self, obj: tuple[Division, Domain]):
        division, domain = obj
        return Publication.objects.within(division).filter(entry__item__first_level__domain=domain)

    def title(self, obj: tuple[Division, Domain]) -> str:
        division, domain = obj
        return (
            f"{clean_text(division.name)} · {clean_text(domain.name)}领域政务公开信息"
            f" · {clean_text(settings.SITE_NAME)}"
        )

    def link(self, obj: tuple[Division, Domain]) -> str:
        division, domain = obj
        return absolute_url(
            reverse("portal:domain", kwargs={"slug": division.slug, "domain_slug": domain.slug})
        )

    def feed_url(self, obj: tuple[Division, Domain]) -> str:
        division, domain = obj
        return absolute_url(
            reverse(self.route, kwargs={"slug": division.slug, "domain_slug": domain.slug})
        )

    def description(self, obj: tuple[Division, Domain]) -> str:
        division, domain = obj
        below = "" if division.is_township else "及所辖区划"
        return (
            f"{clean_text(division.name)}{below}在{clean_text(domain.name)}领域"
            f"最新发布的{FEED_SIZE}条政务公开信息。"
        )


class DomainAtomFeed(DomainRssFeed):
    feed_type = Atom1Feed
    route = "portal:domain_feed_atom"

    def subtitle(self, obj: tuple[Division, Domain]) -> str:
        return self.description(obj)
