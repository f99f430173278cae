"""The public site's views, one module per area; the URLconf names them through this package."""

from .pages import attachment, division, entry, guide, healthz, home, publication

__all__ = ["attachment", "division", "entry", "guide", "healthz", "home", "publication"]
