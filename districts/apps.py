from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    name = "districts"
    verbose_name = _("行政区划与人员")

    def ready(self):
        # Every app declares its role grants and policies in its own ``policies`` module.
        autodiscover_modules("policies")
        from . import checks  # noqa: F401  (registers the system checks)
