from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from catalog.signals import entries_published
        from districts.models import Division
        from guides.signals import guides_synced
        from publications.signals import publication_status_changed, publications_loaded

        from . import cache, sessions

        # A staff session's idle clock starts at sign-in.
        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="portal-session-idle-clock")

        # Publishing drops the cached public pages that show what was published.
        publication_status_changed.connect(
            cache.on_publication_status_changed, dispatch_uid="portal-cache-publication"
        )
        entries_published.connect(cache.on_entries_published, dispatch_uid="portal-cache-entries")
        publications_loaded.connect(
            cache.on_publications_loaded, dispatch_uid="portal-cache-loaded"
        )
        guides_synced.connect(cache.on_guides_synced, dispatch_uid="portal-cache-guides")
        post_save.connect(
            cache.on_division_saved, sender=Division, dispatch_uid="portal-cache-division"
        )
