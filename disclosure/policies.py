"""The disclosure app's role grants and policies."""

from districts.models import Role
from districts.policy import ScopedPolicy, grant, register

from .models import GuideVersion

# The 指南 speaks for the division's disclosure office: its administrator issues new versions;
# everyone else on the staff reads them.
grant(Role.ADMINISTRATOR, GuideVersion, "view", "add")
for _role in (Role.EDITOR, Role.REVIEWER, Role.LEADER):
    grant(_role, GuideVersion, "view")

guides = register(ScopedPolicy(GuideVersion))
