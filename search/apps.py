from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("站内搜索")

    def ready(self):
        # The apps that send know nothing of search; it listens to them.
        from catalog.signals import entries_published
        from guides.signals import guides_synced
        from publications.signals import publication_status_changed, publications_loaded

        from . import receivers

        publication_status_changed.connect(
            receivers.on_publication_status_changed, dispatch_uid="search.publication_status"
        )
        publications_loaded.connect(
            receivers.on_publications_loaded, dispatch_uid="search.publications_loaded"
        )
        entries_published.connect(
            receivers.on_entries_published, dispatch_uid="search.entries_published"
        )
        guides_synced.connect(receivers.on_guides_synced, dispatch_uid="search.guides_synced")
