"""The catalog app's role grants and policies.

Every role reads the shared reference data; the city office maintains it. Editors and
administrators edit their divisions' catalogs (townships only subtract: no new entries there);
reviewers and administrators review what the divisions below them submit.
"""

from districts.models import Role
from districts.policy import ScopedPolicy, SharedPolicy, Where, grant, register

from .models import (
    CatalogEntry,
    CatalogEvent,
    CatalogJob,
    Channel,
    Domain,
    FirstLevelItem,
    GuideLink,
    SecondLevelItem,
)

REFERENCE = (Domain, FirstLevelItem, SecondLevelItem, Channel)

for _role in Role.values:
    for _model in REFERENCE:
        grant(_role, _model, "view")
    grant(_role, CatalogEntry, "view")
    grant(_role, CatalogEvent, "view")
for _role in (Role.EDITOR, Role.ADMINISTRATOR):
    grant(_role, CatalogEntry, "change")
    grant(_role, CatalogEntry, "add", where=Where.ABOVE_TOWNSHIP)
    for _model in REFERENCE:
        grant(_role, _model, "add", "change", where=Where.AT_CITY)
for _role in (Role.REVIEWER, Role.ADMINISTRATOR):
    grant(_role, CatalogEntry, "review")

domains = register(SharedPolicy(Domain))
first_level_items = register(SharedPolicy(FirstLevelItem))
second_level_items = register(SharedPolicy(SecondLevelItem))
channels = register(SharedPolicy(Channel))
entries = register(ScopedPolicy(CatalogEntry, department_path="department"))
events = register(ScopedPolicy(CatalogEvent, department_path="entry__department"))
# Jobs and guide ties are the catalog's working parts: the entries' permissions decide.
jobs = register(ScopedPolicy(CatalogJob, permissions_of=CatalogEntry))
guide_links = register(
    ScopedPolicy(
        GuideLink,
        path="entry__division",
        department_path="entry__department",
        permissions_of=CatalogEntry,
    )
)
