"""The districts app's role grants and policies: divisions and memberships."""

from .models import Department, Division, Membership, Role
from .policy import ScopedPolicy, Where, grant, register

for _role in Role.values:
    grant(_role, Division, "view")
    grant(_role, Department, "view")
grant(Role.ADMINISTRATOR, Division, "change")
# A division's administrator keeps its departments (they are data, not code).
grant(Role.ADMINISTRATOR, Department, "add", "change")
grant(Role.ADMINISTRATOR, Membership, "view", "add", "change", "delete")
# The tree's shape is the city's: only its administrators add divisions (or move them).
grant(Role.ADMINISTRATOR, Division, "add", where=Where.AT_CITY)

divisions = register(ScopedPolicy(Division, path=""))
memberships = register(ScopedPolicy(Membership))
departments = register(ScopedPolicy(Department))
