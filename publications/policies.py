"""The publications app's role grants and policies."""

from districts.models import Role
from districts.policy import ScopedPolicy, SharedPolicy, Where, grant, register

from .models import (
    Attachment,
    Publication,
    PublicationEvent,
    PublicationSeries,
    PublicationType,
    Theme,
)

for _role in (Role.EDITOR, Role.ADMINISTRATOR):
    grant(_role, Publication, "view", "add", "change")
    grant(_role, PublicationEvent, "view")
    grant(_role, PublicationSeries, "view", "add", "change")
for _role in (Role.REVIEWER, Role.LEADER):
    grant(_role, Publication, "view")
    grant(_role, PublicationEvent, "view")
    grant(_role, PublicationSeries, "view")
# 紧急发布: the division's own office administrator publishes at once, reviewed afterwards.
grant(Role.ADMINISTRATOR, Publication, "urgent")
# Types and 主题分类 are the city's reference data: everyone reads them, the city keeps them.
for _role in Role.values:
    grant(_role, PublicationType, "view")
    grant(_role, Theme, "view")
for _role in (Role.EDITOR, Role.ADMINISTRATOR):
    grant(_role, PublicationType, "add", "change", where=Where.AT_CITY)
    grant(_role, Theme, "add", "change", where=Where.AT_CITY)
# Where a division asks for sign-off, its leader signs what its office approved (签发).
grant(Role.LEADER, Publication, "sign")
for _role in (Role.REVIEWER, Role.ADMINISTRATOR):
    grant(_role, Publication, "review")

# A leader signs for their own division only: the leader of 芙蓉区 does not sign 文艺路街道's.
publications = register(
    ScopedPolicy(Publication, department_path="department", own_division_actions={"sign", "urgent"})
)
series = register(ScopedPolicy(PublicationSeries, department_path="department"))
events = register(ScopedPolicy(PublicationEvent, department_path="publication__department"))
attachments = register(
    ScopedPolicy(
        Attachment,
        path="publication__division",
        department_path="publication__department",
        permissions_of=Publication,
    )
)
types = register(SharedPolicy(PublicationType))
themes = register(SharedPolicy(Theme))
