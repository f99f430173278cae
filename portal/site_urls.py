from django.urls import path

from disclosure import views as disclosure
from search.views import search

from . import feeds, views
from .cache import (
    cached_page,
    division_scope,
    entry_scope,
    guide_scope,
    home_scope,
    publication_scope,
)

app_name = "portal"

urlpatterns = [
    path("", cached_page(home_scope)(views.home), name="home"),
    path("a11y/mode/", views.a11y_toggle, name="a11y_toggle"),
    path("healthz", views.healthz, name="healthz"),
    path("d/<slug:slug>/", cached_page(division_scope)(views.division), name="division"),
    path(
        "d/<slug:slug>/publications/",
        cached_page(division_scope, params=("page", "type", "theme", "year"))(
            views.division_publications
        ),
        name="division_publications",
    ),
    path("d/<slug:slug>/banner/", views.division_banner, name="division_banner"),
    path("d/<slug:slug>/feed/rss/", feeds.DivisionRssFeed(), name="division_feed_rss"),
    path("d/<slug:slug>/feed/atom/", feeds.DivisionAtomFeed(), name="division_feed_atom"),
    path(
        "d/<slug:slug>/<slug:domain_slug>/feed/rss/",
        feeds.DomainRssFeed(),
        name="domain_feed_rss",
    ),
    path(
        "d/<slug:slug>/<slug:domain_slug>/feed/atom/",
        feeds.DomainAtomFeed(),
        name="domain_feed_atom",
    ),
    # The 政府信息公开 column and its five entrances (国办公开办函〔2019〕61号).
    path("d/<slug:slug>/xxgk/", cached_page(division_scope)(disclosure.column), name="xxgk"),
    path(
        "d/<slug:slug>/xxgk/zhinan/",
        cached_page(division_scope, params=("v",))(disclosure.guide),
        name="xxgk_guide",
    ),
    path(
        "d/<slug:slug>/xxgk/zhidu/",
        cached_page(division_scope, params=("page",))(disclosure.rules),
        name="xxgk_rules",
    ),
    path(
        "d/<slug:slug>/xxgk/fdzdgk/",
        cached_page(division_scope)(disclosure.statutory),
        name="xxgk_statutory",
    ),
    path(
        "d/<slug:slug>/xxgk/nianbao/",
        cached_page(division_scope, params=("page", "report", "format"))(disclosure.reports),
        name="xxgk_reports",
    ),
    path(
        "d/<slug:slug>/xxgk/ysqgk/",
        cached_page(division_scope)(disclosure.apply),
        name="xxgk_apply",
    ),
    # After every fixed "d/<slug>/<word>/" route: a domain slug never shadows them.
    path(
        "d/<slug:slug>/<slug:domain_slug>/",
        cached_page(division_scope)(views.domain),
        name="domain",
    ),
    path("entry/<int:pk>/", cached_page(entry_scope, params=("page",))(views.entry), name="entry"),
    path("guide/<str:unify_id>/", cached_page(guide_scope)(views.guide), name="guide"),
    path("p/<int:pk>/", cached_page(publication_scope)(views.publication), name="publication"),
    path("search/", search, name="search"),
    path("sitemap/", cached_page(home_scope)(views.site_map), name="site_map"),
    path("accessibility/", cached_page(home_scope)(views.accessibility), name="accessibility"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
]
