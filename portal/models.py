"""The portal's own models: none with a table; a proxy that names axes' records in the admin."""

from axes.models import AccessAttempt
from django.utils.translation import gettext_lazy as _


class LoginLockout(AccessAttempt):
    """Axes' failed sign-ins, as the city administrators' 登录锁定 page in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
