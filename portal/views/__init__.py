"""The public site's views, one module per area; the URLconf names them through this package."""

from .a11y import a11y_toggle
from .columns import (
    division,
    division_banner,
    division_publications,
    domain,
    entry,
    publication,
)
from .home import home
from .pages import accessibility, attachment, guide, healthz, site_map

__all__ = [
    "a11y_toggle",
    "accessibility",
    "attachment",
    "division",
    "division_banner",
    "division_publications",
    "domain",
    "entry",
    "guide",
    "healthz",
    "home",
    "publication",
    "site_map",
]
