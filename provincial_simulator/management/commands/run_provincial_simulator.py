"""Run the provincial platform simulator until SIGINT or SIGTERM."""

from __future__ import annotations

import errno
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from provincial_simulator.server import SimulatorServer


class Command(BaseCommand):
    help = "启动省一体化平台模拟器（办事指南接口），直到收到 SIGINT/SIGTERM。"

    # The simulator never touches the database or the product apps.
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8765, help="监听端口（0 表示任选空闲端口）")
        parser.add_argument("--seed", default=None, help="数据集随机种子（默认固定种子）")
        parser.add_argument("--size", type=int, default=None, help="只提供 N 个事项（默认全部）")
        parser.add_argument("--public-url", default=None, help="对外地址，用于网办地址等绝对链接")
        parser.add_argument("--latency-ms", type=float, default=0, help="每次接口调用增加的延迟")
        parser.add_argument("--latency-jitter-ms", type=float, default=0, help="延迟的随机抖动")
        parser.add_argument("--error-rate", type=float, default=0, help="返回 5xx 的比例（0..1）")
        parser.add_argument(
            "--failure-rate", type=float, default=0, help="返回 success:false 的比例（0..1）"
        )
        parser.add_argument(
            "--malformed-rate", type=float, default=0, help="返回残缺 JSON 的比例（0..1）"
        )
        parser.add_argument(
            "--maintenance-seconds", type=float, default=0, help="从启动起维护窗口的秒数"
        )
        parser.add_argument("--verbose-log", action="store_true", help="逐条打印访问日志")

    def handle(self, *args, **options):
        port, size = options["port"], options["size"]
        if not 0 <= port <= 65535:
            raise CommandError(f"端口必须在 0 到 65535 之间：{port}")
        if size is not None and size < 1:
            raise CommandError(f"--size 必须是正整数：{size}")
        seed = options["seed"]
        if seed is not None and seed.lstrip("-").isdigit():
            seed = int(seed)
        faults = {
            "latency_ms": options["latency_ms"],
            "latency_jitter_ms": options["latency_jitter_ms"],
            "error_rate": options["error_rate"],
            "failure_rate": options["failure_rate"],
            "malformed_rate": options["malformed_rate"],
        }
        sim = SimulatorServer(
            host=options["host"],
            port=port,
            seed=seed,
            size=size,
            public_url=options["public_url"],
            verbose=options["verbose_log"],
        )
        try:
            sim.set_faults(**faults)
            if options["maintenance_seconds"] < 0:
                raise ValueError("--maintenance-seconds 不能为负数")
        except ValueError as exc:
            raise CommandError(f"参数错误：{exc}") from exc

        try:
            sim.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"端口 {port} 已被占用，请换一个端口。") from exc
            raise CommandError(f"无法在 {options['host']}:{port} 上启动：{exc}") from exc
        # The window starts when the server is up, not when the dataset began to build.
        sim.faults.maintenance_seconds = options["maintenance_seconds"]

        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            guides = sim.dataset.size
            self.stdout.write(f"省平台模拟器已启动：{sim.base_url}/  （{guides} 个事项）")
            self.stdout.write(
                f"Provincial platform simulator listening on {sim.base_url}/  ({guides} guides)"
            )
            self.stdout.write("按 Ctrl+C 停止 / Press Ctrl+C to stop.")
            self.stdout.flush()
            while not stop.wait(0.5):
                pass
        finally:
            sim.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("省平台模拟器已停止 / Simulator stopped.")
