"""Who keeps search's data: the index is a public copy of what is published (no staff role
edits it); the synonyms are the city's shared vocabulary, kept by the city office."""

from districts.models import Role
from districts.policy import SharedPolicy, Where, grant, register

from .models import SearchDocument, SearchQueryStat, SearchSynonym, ZeroResultQuery

# Administrators anywhere may read the list (to suggest a pair to the city office).
grant(Role.ADMINISTRATOR, SearchSynonym, "view")
grant(Role.ADMINISTRATOR, SearchSynonym, "add", "change", "delete", where=Where.AT_CITY)

# What people search for is anonymous and city-wide; administrators read it, nobody edits it.
grant(Role.ADMINISTRATOR, SearchQueryStat, "view")
grant(Role.ADMINISTRATOR, ZeroResultQuery, "view")

# No grants: only superusers reach it in the admin (it has no ModelAdmin today).
documents = register(SharedPolicy(SearchDocument))
synonyms = register(SharedPolicy(SearchSynonym))
query_stats = register(SharedPolicy(SearchQueryStat))
zero_result_queries = register(SharedPolicy(ZeroResultQuery))
