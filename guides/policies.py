"""The service guides' role grants: public copies every role reads; the city office syncs."""

from districts.models import Role
from districts.policy import SharedPolicy, Where, grant, register

from .models import Guide, SyncFailure, SyncRun

for _role in Role.values:
    grant(_role, Guide, "view")
grant(Role.ADMINISTRATOR, SyncRun, "view", "run_sync", where=Where.AT_CITY)
grant(Role.ADMINISTRATOR, SyncFailure, "view", where=Where.AT_CITY)

# Guides belong to a provincial area, not to a staff scope: they are public data.
guides = register(SharedPolicy(Guide))
sync_runs = register(SharedPolicy(SyncRun))
sync_failures = register(SharedPolicy(SyncFailure))
