"""Signals of publications, for decoupled side effects (the search index listens).

``publication_status_changed``: sent inside the transaction whenever a publication moves
between states (kwargs ``publication``, ``from_status``, ``to_status``); receivers that do work
should defer it with ``transaction.on_commit``.
``publications_loaded``: sent after a bulk load wrote publications without the services
(the load generator); receivers re-read what they need.
"""

from django.dispatch import Signal

publication_status_changed = Signal()
publications_loaded = Signal()
