"""Signals of the guides, for decoupled side effects (the catalog, search and page cache listen).

``guides_synced``: sent once a sync run that created, changed or withdrew guides has committed
its writes and recorded its counts (kwargs ``run``: the finished ``SyncRun``). It lives here, not
in ``guides.sync``, so that listeners need not import the sync engine.
"""

from django.dispatch import Signal

guides_synced = Signal()
