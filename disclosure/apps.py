from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = _("政府信息公开")

    def ready(self):
        from . import checks  # noqa: F401  (registers the site-identity check)
