"""Staff sign-in throttling (等保 2.0 登录失败处理) on django-axes.

Axes records each failed sign-in as a row per (account, address, browser) and refuses a sign-in
when the failures of its account, or of its address, reach the limit (``AXES_LOCKOUT_PARAMETERS``
names the two separately, so each locks on its own). This module gives axes the client's real
address behind the reverse proxy, an address limit of its own, the Chinese lockout page and the
login form's warning; and gives the city's administrators the list of current locks and the
service that lifts one, recorded in the admin log.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import LoginLockout

logger = logging.getLogger(__name__)

ACCOUNT = "account"
ADDRESS = "address"
KINDS = {ACCOUNT: "username", ADDRESS: "ip_address"}
KIND_LABELS = {ACCOUNT: "账号", ADDRESS: "网络地址"}


def client_ip(request) -> str | None:
    """Return the address the request came from, as the outermost trusted proxy saw it.

    Each of the ``TRUSTED_PROXY_COUNT`` proxies in front of the portal appends the address it
    was reached from to X-Forwarded-For, so the client is the entry that many places from the
    right; anything further left was written by the client and proves nothing. With no trusted
    proxy, or a header too short to hold what the proxies write, the connection's own address
    counts.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def address_allowance() -> int:
    """Return how many more failures an address is allowed than an account."""
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with the address's limit (``LOGIN_ADDRESS_FAILURE_LIMIT``) its own.

    Axes compares one number with ``AXES_FAILURE_LIMIT``, the account's limit: the address's
    failures are reported less the extra failures an address is allowed, so either count
    reaching its own limit locks.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry, in its order: account, address.
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return max(by_account, by_address - address_allowance())


def cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def locked_until(rows: list[tuple[datetime, int]], limit: int) -> datetime | None:
    """Return when the failures ``rows`` (last failure time, count) stop reaching ``limit``.

    A row stops counting one cool-off after its last failure, so the lock lifts once enough
    rows, oldest first, have dropped out. None: not locked.
    """
    total = sum(failures for _, failures in rows)
    until = None
    for last, failures in sorted(rows):
        if total < limit:
            break
        until = last + cool_off()
        total -= failures
    return until


@dataclass(frozen=True)
class Lock:
    """A locked account or address, as the administrators' list and the lockout page show it."""

    kind: str  # ACCOUNT or ADDRESS
    key: str
    failures: int
    last_failure: datetime
    until: datetime
    # The addresses an account's failures came from, or the accounts an address named.
    others: tuple[str, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _recent_attempts(*filters: Q) -> list[dict]:
    since = timezone.now() - cool_off()
    return list(
        AccessAttempt.objects.filter(*filters, attempt_time__gte=since).values(
            "username", "ip_address", "attempt_time", "failures_since_start"
        )
    )


def _locks_of(rows: list[dict], kind: str) -> list[Lock]:
    field = KINDS[kind]
    other = KINDS[ADDRESS if kind == ACCOUNT else ACCOUNT]
    limit = settings.AXES_FAILURE_LIMIT if kind == ACCOUNT else settings.LOGIN_ADDRESS_FAILURE_LIMIT
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row[field] is not None:
            groups.setdefault(row[field], []).append(row)
    locks = []
    for key, group in groups.items():
        until = locked_until([(r["attempt_time"], r["failures_since_start"]) for r in group], limit)
        if until is None:
            continue
        locks.append(
            Lock(
                kind=kind,
                key=key,
                failures=sum(r["failures_since_start"] for r in group),
                last_failure=max(r["attempt_time"] for r in group),
                until=until,
                others=tuple(sorted({r[other] or "—" for r in group})),
            )
        )
    return sorted(locks, key=lambda lock: lock.last_failure, reverse=True)


def current_lockouts() -> dict[str, list[Lock]]:
    """Return the accounts and the addresses locked now, the latest failure first (one query)."""
    rows = _recent_attempts()
    return {ACCOUNT: _locks_of(rows, ACCOUNT), ADDRESS: _locks_of(rows, ADDRESS)}


@dataclass(frozen=True)
class Standing:
    """Where one sign-in stands: its account's and its address's recent failures and locks."""

    account_failures: int
    address_failures: int
    locks: tuple[Lock, ...]

    @property
    def attempts_left(self) -> int:
        return min(
            settings.AXES_FAILURE_LIMIT - self.account_failures,
            settings.LOGIN_ADDRESS_FAILURE_LIMIT - self.address_failures,
        )

    @property
    def address_closer(self) -> bool:
        """Return True when the address, not the account, is the nearer to its limit."""
        return (
            settings.LOGIN_ADDRESS_FAILURE_LIMIT - self.address_failures
            < settings.AXES_FAILURE_LIMIT - self.account_failures
        )


def sign_in_standing(*, username: str | None, address: str | None) -> Standing:
    """Return the recent failures and current locks of ``username`` and ``address``."""
    match = Q(username=username)
    if address is not None:
        match |= Q(ip_address=address)
    rows = _recent_attempts(match)
    mine = [r for r in rows if r["username"] == username]
    here = [r for r in rows if address is not None and r["ip_address"] == address]
    locks = [lock for lock in _locks_of(mine, ACCOUNT) if lock.key == username]
    locks += [lock for lock in _locks_of(here, ADDRESS) if lock.key == address]
    return Standing(
        account_failures=sum(r["failures_since_start"] for r in mine),
        address_failures=sum(r["failures_since_start"] for r in here),
        locks=tuple(locks),
    )


def lockout_response(request, original_response=None, credentials=None):
    """Render the lockout page (status 429): which lock, until when, and whom to ask."""
    username = get_client_username(request, credentials)
    address = client_ip(request)
    standing = sign_in_standing(username=username, address=address)
    until = max((lock.until for lock in standing.locks), default=None)
    # Axes keeps the failures that counted; attempts refused while locked are only logged here.
    logger.warning(
        "Sign-in refused, locked: account %s from %s (%s)",
        username,
        address,
        ", ".join(f"{lock.kind} locked" for lock in standing.locks) or "lock lifted",
    )
    context = {
        **admin.site.each_context(request),
        "title": "登录已被暂时锁定",
        "locks": standing.locks,
        "until": until,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        "account_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    }
    response = TemplateResponse(request, "admin/login_locked.html", context, status=429)
    seconds = (until - timezone.now()).total_seconds() if until else cool_off().total_seconds()
    response["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response.render()


class LoginForm(AdminAuthenticationForm):
    """The admin's login form; a failed sign-in says how many tries are left before a lock."""

    def get_invalid_login_error(self):
        if not settings.AXES_ENABLED:
            return super().get_invalid_login_error()
        standing = sign_in_standing(
            username=self.cleaned_data.get("username"), address=client_ip(self.request)
        )
        whom = "您所在的网络地址" if standing.address_closer else "该账号"
        return ValidationError(
            "用户名或密码不正确（均区分大小写）。"
            "再输错 %(left)d 次，%(whom)s将被锁定 %(minutes)d 分钟。",
            code="invalid_login",
            params={
                "left": max(standing.attempts_left, 0),
                "whom": whom,
                "minutes": settings.LOGIN_LOCKOUT_MINUTES,
            },
        )


def may_unlock(user) -> bool:
    """Return True for the city's administrators (and superusers), who lift locks early."""
    from .policies import lockouts

    return bool(getattr(user, "is_staff", False)) and lockouts.allows(user, "unlock")


@transaction.atomic
def lockout_clear(*, kind: str, key: str, user) -> int:
    """Forget the recent failures of an account or an address, lifting its lock; log who did.

    Return the number of failures forgotten. Failures of an account are forgotten from every
    address (and so no longer count against those addresses either), and the reverse.
    """
    if not may_unlock(user):
        raise PermissionDenied("只有市级管理员可以解除登录锁定。")
    if kind not in KINDS or not key:
        raise ValidationError("未知的锁定对象。")
    field = KINDS[kind]
    failures = (
        AccessAttempt.objects.filter(**{field: key}).aggregate(n=Sum("failures_since_start"))["n"]
        or 0
    )
    axes_reset(**({"username": key} if kind == ACCOUNT else {"ip": key}))
    label = f"{KIND_LABELS[kind]} {key}"
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(LoginLockout, for_concrete_model=False),
        object_repr=label[:200],
        action_flag=DELETION,
        change_message=f"解除登录锁定（清除 {failures} 次登录失败记录）",
    )
    logger.warning(
        "Sign-in lock lifted: %s %s by %s (%d failures forgotten)",
        kind,
        key,
        user.get_username(),
        failures,
    )
    return failures
