"""Signals of the catalog, for decoupled side effects (the search index listens).

``entries_published``: sent inside the transaction after entries' published snapshots were
taken (kwargs ``entry_ids``); the snapshots of entries derived from them may have changed too.
Receivers that do work should defer it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

entries_published = Signal()
