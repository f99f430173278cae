"""The search index is a public copy of what is published: no staff role edits it."""

from districts.policy import SharedPolicy, register

from .models import SearchDocument

# No grants: only superusers reach it in the admin (it has no ModelAdmin today).
documents = register(SharedPolicy(SearchDocument))
