"""登录锁定: the city administrators' list of locked accounts and addresses, and the unlock."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .login_security import (
    ACCOUNT,
    ADDRESS,
    KIND_LABELS,
    current_lockouts,
    lockout_clear,
    may_unlock,
)
from .models import LoginLockout

NOT_FOUND = "页面不存在。"


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Not a list of rows: the accounts and addresses locked now, each with 解除锁定.

    Only the city's administrators (and superusers) see it; anyone else gets 404, as for an
    object out of scope.
    """

    def has_module_permission(self, request):
        return may_unlock(request.user)

    def has_view_permission(self, request, obj=None):
        return may_unlock(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path("unlock/", wrap(self.unlock_view), name="{}_{}_unlock".format(*info)),
        ]

    def changelist_view(self, request, extra_context=None):
        if not may_unlock(request.user):
            raise Http404(NOT_FOUND)
        locks = current_lockouts()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "登录锁定",
            "account_locks": locks[ACCOUNT],
            "address_locks": locks[ADDRESS],
            "account_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
            "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/portal/loginlockout/change_list.html", context)

    def unlock_view(self, request):
        if not may_unlock(request.user):
            raise Http404(NOT_FOUND)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        kind, key = request.POST.get("kind", ""), request.POST.get("key", "").strip()
        try:
            failures = lockout_clear(kind=kind, key=key, user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(
                request,
                f"已解除{KIND_LABELS[kind]}“{key}”的登录锁定（清除 {failures} 次失败记录）。",
            )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
