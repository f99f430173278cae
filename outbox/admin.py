from django.contrib import admin

from .models import OutboxMessage
from .policies import messages as policy


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only, for superusers: what waits for the broker and why."""

    list_display = ("id", "task", "created_at", "dispatched_at", "attempts", "last_error")
    list_filter = (("dispatched_at", admin.EmptyFieldListFilter), "task")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_module_permission(self, request):
        return policy.allows(request.user, "view")

    def has_view_permission(self, request, obj=None):
        return policy.allows(request.user, "view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
