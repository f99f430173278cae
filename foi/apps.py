from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoiConfig(AppConfig):
    name = "foi"
    verbose_name = _("依申请公开")

    def ready(self):
        from workcalendar.signals import calendar_changed

        from . import checks, policies  # noqa: F401  (registers the checks and the policies)
        from .tasks import refresh_after_calendar_change

        calendar_changed.connect(refresh_after_calendar_change, dispatch_uid="foi-clocks")
