"""The run_provincial_simulator management command, started as a real subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "ALLOW_INSECURE_KEY": "1"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_provincial_simulator", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def wait_until_up(base_url: str, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            return httpx.get(base_url + "/__simulator__/state", timeout=1).json()
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the simulator did not answer within 10 s")


def test_command_serves_until_terminated_and_exits_cleanly():
    port = free_port()
    proc = run("--port", str(port), "--size", "50", "--latency-ms", "1", "--error-rate", "0")
    try:
        state = wait_until_up(f"http://127.0.0.1:{port}", proc)
        assert state["size"] == 50
        assert state["faults"]["latency_ms"] == 1
        response = httpx.post(
            f"http://127.0.0.1:{port}/hnywtb/anony",
            params={"action": "toCatalogHttpGet", "url": "/unifyTaskToWt/getZtflByTask?type=2"},
        )
        assert response.json()["success"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"省平台模拟器已启动：http://127.0.0.1:{port}/" in out
    assert "(50 guides)" in out


def test_command_stops_on_sigint_with_the_full_dataset():
    port = free_port()
    proc = run("--port", str(port))
    try:
        state = wait_until_up(f"http://127.0.0.1:{port}", proc)
        assert state["guides"] >= 1300
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_command_refuses_bad_values_in_chinese():
    for args in (("--error-rate", "1.5"), ("--failure-rate", "-1"), ("--port", "70000")):
        proc = run(*args)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode != 0
        assert "CommandError" in err
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err)


def test_command_refuses_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run("--port", str(port), "--size", "10")
        _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "已被占用" in err
