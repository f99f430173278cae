from django.urls import path

from search.views import search

from . import feeds, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("a11y/mode/", views.a11y_toggle, name="a11y_toggle"),
    path("healthz", views.healthz, name="healthz"),
    path("d/<slug:slug>/", views.division, name="division"),
    path(
        "d/<slug:slug>/publications/",
        views.division_publications,
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
    # After every fixed "d/<slug>/<word>/" route: a domain slug never shadows them.
    path("d/<slug:slug>/<slug:domain_slug>/", views.domain, name="domain"),
    path("entry/<int:pk>/", views.entry, name="entry"),
    path("guide/<str:unify_id>/", views.guide, name="guide"),
    path("p/<int:pk>/", views.publication, name="publication"),
    path("search/", search, name="search"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
]
