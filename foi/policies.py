"""The foi app's role grants and policies.

A request is handled by the office of the division (and department) it was made to: its
editors draft the steps and letters, its reviewers and administrator sign them (签发). Offices
above see their subordinates' requests and clocks to supervise them, but only the handling
division's staff may act on a request or read the applicant's personal data ("handle").
"""

from districts.models import Role
from districts.policy import ScopedPolicy, grant, register

from .models import InfoRequest, Letter, LetterTemplate, RequestEvent

for _role in Role.values:
    grant(_role, InfoRequest, "view")
    grant(_role, RequestEvent, "view")
    grant(_role, Letter, "view")
    grant(_role, LetterTemplate, "view")
for _role in (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR):
    grant(_role, InfoRequest, "handle", "add")
    grant(_role, Letter, "add")
for _role in (Role.REVIEWER, Role.ADMINISTRATOR, Role.LEADER):
    grant(_role, Letter, "approve_letter")
# Where a division asks for sign-off, its leader signs (签发) what its reviewers approved.
grant(Role.LEADER, Letter, "signoff_letter")
grant(Role.ADMINISTRATOR, LetterTemplate, "add")

requests = register(
    ScopedPolicy(
        InfoRequest,
        department_path="department",
        own_division_actions={"handle", "add"},
    )
)
events = register(
    ScopedPolicy(
        RequestEvent,
        path="request__division",
        department_path="request__department",
        permissions_of=InfoRequest,
    )
)
letters = register(
    ScopedPolicy(
        Letter,
        path="request__division",
        department_path="request__department",
        own_division_actions={"add", "approve_letter", "signoff_letter"},
    )
)
templates = register(ScopedPolicy(LetterTemplate))
