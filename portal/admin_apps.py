"""Django's admin app, configured for the portal (its own module: apps.py may hold one config)."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin app with ``portal.admin_site.PortalAdminSite`` as ``admin.site``."""

    default_site = "portal.admin_site.PortalAdminSite"
