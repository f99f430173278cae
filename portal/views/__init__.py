"""The public site's views, one module per area; the URLconf names them through this package."""

from .a11y import a11y_toggle
from .home import home
from .pages import attachment, division, entry, guide, healthz, publication

__all__ = [
    "a11y_toggle",
    "attachment",
    "division",
    "entry",
    "guide",
    "healthz",
    "home",
    "publication",
]
