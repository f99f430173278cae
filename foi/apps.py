from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoiConfig(AppConfig):
    name = "foi"
    verbose_name = _("依申请公开")

    def ready(self):
        from . import checks, policies  # noqa: F401  (registers the checks and the policies)
