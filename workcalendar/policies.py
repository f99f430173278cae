"""The working-day calendar's role grants: everyone reads it, the city office keeps it."""

from districts.models import Role
from districts.policy import SharedPolicy, Where, grant, register

from .models import CalendarYear, SpecialDay

for _role in Role.values:
    grant(_role, CalendarYear, "view")
    grant(_role, SpecialDay, "view")
# A deleted year is the superuser's call; special days the city's administrators may remove.
grant(Role.ADMINISTRATOR, CalendarYear, "add", "change", where=Where.AT_CITY)
grant(Role.ADMINISTRATOR, SpecialDay, "add", "change", "delete", where=Where.AT_CITY)

years = register(SharedPolicy(CalendarYear))
special_days = register(SharedPolicy(SpecialDay))
