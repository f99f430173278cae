"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request (等保 2.0 登录连接超时).

The time of a session's last request is kept in the session itself and written at most once a
minute, so a busy page costs no extra session write; anonymous visitors (no session cookie)
are never looked at, so public pages create no session and write nothing.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LAST_SEEN = "portal_last_seen"
# How stale the stored time may get before it is written again: the timeout's resolution.
WRITE_EVERY = 60


def on_logged_in(sender, request, user, **kwargs) -> None:
    """Start the idle clock at sign-in (a user_logged_in receiver)."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


class StaffSessionIdleMiddleware:
    """End a signed-in session idle longer than STAFF_SESSION_IDLE_MINUTES; else note the time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        now = int(time.time())
        last = request.session.get(LAST_SEEN)
        idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
        if last is not None and now - last > idle:
            logout(request)
            messages.warning(
                request,
                f"您已超过 {settings.STAFF_SESSION_IDLE_MINUTES} 分钟未操作，"
                "为保护账号安全已自动退出，请重新登录。",
            )
        elif last is None or now - last >= WRITE_EVERY:
            request.session[LAST_SEEN] = now
