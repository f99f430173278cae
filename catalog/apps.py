from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("标准目录")

    def ready(self) -> None:
        from guides.signals import guides_synced

        from .guide_links import links_refresh

        def refresh_links(sender, **kwargs) -> None:
            links_refresh()

        # A sync that wrote guides may have added, changed or withdrawn what entries tie to.
        guides_synced.connect(refresh_links, weak=False, dispatch_uid="catalog-guide-links")
