from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationsConfig(AppConfig):
    name = "publications"
    verbose_name = _("公开信息")

    def ready(self):
        from workcalendar.signals import calendar_changed

        from . import index_no  # noqa: F401  (registers the 索引号 format check)
        from .tasks import recompute_due_dates_after_calendar_change

        calendar_changed.connect(
            recompute_due_dates_after_calendar_change, dispatch_uid="publications-due-dates"
        )
