"""The applicant's e-mail through a real SMTP conversation, to aiosmtpd on 127.0.0.1.

Django's SMTP backend talks to a server started per test; the outbox task runs with the commit
(Celery eager in the test settings). What arrives is parsed as a mail client would: the
applicant is the envelope recipient and the To header, the Chinese subject is RFC 2047 encoded
on the wire and decodes to UTF-8, and the body names the tracking code. A server that refuses
the connection leaves the message pending in the outbox, the request stays registered, and the
mail goes out once when the server is back.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from districts.models import Role
from foi import services
from foi.letters import draft_text
from foi.models import InfoRequest, LetterKind
from outbox.models import OutboxMessage
from outbox.services import deliver_pending
from tests.conftest import require_service
from tests.publications.conftest import TOWNSHIP

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - the dev dependencies include it
    Controller = None

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"
WAIT_SECONDS = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keep each message's envelope recipients and its raw bytes."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float = WAIT_SECONDS) -> list[tuple[list[str], bytes]]:
        """Return the messages once ``count`` have arrived; fail after ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        with self.lock:
            pytest.fail(f"expected {count} messages within {seconds}s, got {len(self.received)}")


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 that can be started (again) on one fixed port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname=HOST, port=self.port, ready_timeout=WAIT_SECONDS
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """Start an SMTP server on a free local port and send the site's mail to it."""
    if Controller is None:
        require_service("the aiosmtpd package")
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    server.start()
    yield server
    server.stop()


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def subject_of(raw: bytes) -> str:
    """Return the subject as a mail client shows it, decoded the classic way and the new way.

    Django's long encoded subject starts on a folded line ("Subject: " CRLF " =?utf-8?b?…");
    Python's newer parser keeps that fold's space in front, which clients do not show.
    """
    classic = email.message_from_bytes(raw)
    decoded = str(email.header.make_header(email.header.decode_header(classic["Subject"])))
    assert parse(raw)["Subject"].strip() == decoded
    return decoded


def headers_of(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]


def post_form(client, office, applicant, **overrides):
    data = {**applicant, **overrides, "agree": "on"}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    return client.post(reverse("foi:apply", args=[office.divisions[TOWNSHIP].slug]), data)


def sign_reply(office, request) -> None:
    params = {"category": "open", "reason": 2, "explanation": "见附件名单。"}
    body, _version = draft_text(request, LetterKind.REPLY, params)
    letter = services.draft_letter(
        request, LetterKind.REPLY, params, body, office.user(Role.EDITOR, "township")
    )
    services.approve_letter(letter, office.user(Role.REVIEWER, "township"))


def test_the_applicant_gets_the_receipt_and_the_reply_over_smtp(
    client, office, applicant, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, office, applicant)
    assert response.status_code == 302
    request = InfoRequest.objects.get()

    [(recipients, raw)] = smtp.inbox.wait_for(1)
    assert recipients == [applicant["email"]]
    # On the wire the headers are ASCII: the Chinese subject travels RFC 2047 encoded.
    head = headers_of(raw)
    assert head.isascii(), head
    assert b"=?utf-8?" in head.lower()
    message = parse(raw)
    assert message["To"] == applicant["email"]
    sender = message["From"].addresses[0]
    name, address = email.utils.parseaddr(django_settings.DEFAULT_FROM_EMAIL)
    assert (sender.display_name, sender.addr_spec) == (name, address)
    expected = (
        f"【{django_settings.SITE_NAME}】您的政府信息公开申请：收到申请（查询码 {request.code}）"
    )
    assert subject_of(raw) == expected
    body = message.get_body(("plain",))
    assert body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert f"查询码：{request.code}" in text
    assert "张三" in text and "文艺路街道已于" in text
    assert reverse("foi:status", args=[office.divisions[TOWNSHIP].slug]) in text
    # Nothing personal beyond the name: no identity number, no phone.
    assert applicant["id_number"] not in text and applicant["phone"] not in text

    with django_capture_on_commit_callbacks(execute=True):
        sign_reply(office, request)
    received = smtp.inbox.wait_for(2)
    assert len(received) == 2
    recipients, raw = received[1]
    assert recipients == [applicant["email"]]
    message = parse(raw)
    assert subject_of(raw).endswith(f"作出答复（查询码 {request.code}）")
    text = message.get_body(("plain",)).get_content()
    assert request.code in text and "本机关已作出答复，答复文书可在查询页面下载。" in text
    mails = OutboxMessage.objects.filter(task="foi.tasks.mail_applicant")
    assert mails.count() == 2 and not mails.filter(dispatched_at__isnull=True).exists()


def test_no_e_mail_address_means_no_smtp_conversation(
    client, office, applicant, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, office, applicant, email="", delivery="paper")
    assert response.status_code == 302
    time.sleep(0.2)  # a message would have arrived by now (sending is synchronous)
    assert smtp.inbox.received == []


def test_a_refusing_server_leaves_the_mail_pending_until_it_is_back(
    client, office, applicant, smtp, django_capture_on_commit_callbacks
):
    smtp.stop()  # the port is free again: connecting is refused
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, office, applicant)
    # The applicant's request is registered all the same; only the e-mail waits.
    assert response.status_code == 302
    request = InfoRequest.objects.get()
    pending = OutboxMessage.objects.get(task="foi.tasks.mail_applicant")
    assert pending.dispatched_at is None and pending.attempts == 1
    assert "ConnectionRefusedError" in pending.last_error  # why it waits, for the outbox view
    assert smtp.inbox.received == []

    smtp.start()
    # The beat's run of the outbox (every minute) hands it over again; this time it goes.
    assert deliver_pending(grace=timedelta(0)) >= 1
    pending.refresh_from_db()
    assert pending.dispatched_at is not None and pending.last_error == ""
    [(recipients, raw)] = smtp.inbox.wait_for(1)
    assert recipients == [applicant["email"]]
    assert request.code in parse(raw).get_body(("plain",)).get_content()
    # Delivered once: running the outbox again sends nothing more.
    deliver_pending(grace=timedelta(0))
    time.sleep(0.2)
    assert len(smtp.inbox.received) == 1
