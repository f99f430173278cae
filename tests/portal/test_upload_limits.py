"""An oversized request body is refused from its Content-Length, before a byte of it is read."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse

from districts.models import Role
from tests.redis_server import free_port

IMPORT = reverse("admin:catalog_catalogentry_import")

pytestmark = pytest.mark.django_db


def test_an_import_over_the_limit_is_refused_at_once(client, make_member, furong, settings):
    client.force_login(make_member(furong, Role.EDITOR))
    declared = settings.CATALOG_IMPORT_MAX_BYTES + 2 * 2**20
    response = client.post(
        IMPORT,
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(declared),
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "上传的内容过大" in text and "请按领域拆分" in text
    assert f"超过上限 {settings.CATALOG_IMPORT_MAX_BYTES // 2**20} MB" in text
    assert response["Connection"] == "close"


def test_other_urls_have_the_general_limit(client, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 5 * 2**20
    url = reverse("admin:publications_publication_add")
    response = client.post(
        url, data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(6 * 2**20)
    )
    assert response.status_code == 413 and "请压缩或拆分附件" in response.content.decode()
    # Anonymous or not, small bodies pass on to the view (here: the login redirect).
    assert client.post(url, {"a": "b"}).status_code == 302


def test_a_nonsense_length_is_left_to_django(client):
    response = client.get("/", CONTENT_LENGTH="lots")
    assert response.status_code == 200


def test_gunicorn_answers_before_the_body_arrives(tmp_path):
    """200 MB announced, 1 KB sent, to the production server: the 413 comes back at once and
    the connection closes; nothing waits for (or stores) the rest."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOW_INSECURE_KEY": "1",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        headers = (
            f"POST {IMPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {200 * 2**20}\r\n\r\n"
        ).encode()
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(headers + b"-" * 1024)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        answered_in = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
    assert "上传的内容过大".encode() in reply
    assert answered_in < 10  # a hang guard: it never waited for the 200 MB
