"""The catalog's admin, one module per area; importing the package registers them all.

``reference`` (domains, items, channels), ``entries`` (catalog entries and their events),
``review`` (the review panel and actions), ``guides`` (ties between entries and service
guides), ``imports`` (workbook uploads and their jobs), ``domain_review`` (city departments
reviewing by domain).
"""

from . import domain_review, entries, guides, imports, reference, review  # noqa: F401
