"""The disclosure app's role grants and policies."""

from districts.models import Role
from districts.policy import (
    REVIEW,
    ScopedPolicy,
    grant,
    memberships_of,
    permissions_for,
    register,
    sees_everything,
)

from .models import AnnualReport, GuideVersion

# The 指南 speaks for the division's disclosure office: its administrator issues new versions;
# everyone else on the staff reads them.
grant(Role.ADMINISTRATOR, GuideVersion, "view", "add")
for _role in (Role.EDITOR, Role.REVIEWER, Role.LEADER):
    grant(_role, GuideVersion, "view")

guides = register(ScopedPolicy(GuideVersion))

# 年度报告: editors draft and submit (a department's editors only their department's report),
# reviewers approve or return, the office's administrator publishes; all staff read them.
for _role in (Role.EDITOR, Role.ADMINISTRATOR):
    grant(_role, AnnualReport, "view", "add", "change")
for _role in (Role.REVIEWER, Role.LEADER):
    grant(_role, AnnualReport, "view")
for _role in (Role.REVIEWER, Role.ADMINISTRATOR):
    grant(_role, AnnualReport, "review")
grant(Role.ADMINISTRATOR, AnnualReport, "publish")

reports = register(ScopedPolicy(AnnualReport, department_path="department"))


def may_review_report(user, report: AnnualReport) -> bool:
    """Return True when ``user`` may approve or return ``report``.

    A government's own report goes up the review chain like a publication: the office above
    reviews it (the city office its own, nobody stands above it). A department's report goes to
    its own government's disclosure office, which answers for the level's reports (国办公开办函
    〔2021〕30号 has departments report through their government), or to any office above.
    """
    if reports.allows(user, REVIEW, report):
        return True
    if report.department_id is None or sees_everything(user):
        return False
    permission = reports.permission(REVIEW)
    return any(
        m.department_id is None
        and m.division_id == report.division_id
        and permission in permissions_for(m)
        for m in memberships_of(user)
    )
