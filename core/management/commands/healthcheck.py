"""Container health checks (docker-compose): ``healthcheck web|worker|beat``; exit 0 when healthy.

- ``web``: GET /readyz on this container's port with a Host header the production ALLOWED_HOSTS
  accepts (a bare 127.0.0.1 would be refused with 400);
- ``worker``: this host's worker wrote its heartbeat row recently (``--hostname`` names another);
- ``beat``: the beat scheduler touched its heartbeat file recently (core.beat.HeartbeatScheduler).
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def health_host() -> str:
    """A host name the portal's ALLOWED_HOSTS accepts."""
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"
    if host == "*":
        return "localhost"
    return host.lstrip(".")


class Command(BaseCommand):
    help = "容器健康检查：web / worker / beat 正常时退出码为 0。"

    def add_arguments(self, parser):
        parser.add_argument("component", choices=["web", "worker", "beat"])
        parser.add_argument("--url", help="web：就绪检查地址（默认 http://127.0.0.1:$PORT/readyz）")
        parser.add_argument("--hostname", help="worker：节点名（默认 celery@本机主机名）")
        parser.add_argument("--max-age", type=int, default=180, help="beat：心跳文件最长允许多少秒未更新")
        parser.add_argument("--timeout", type=float, default=5.0)

    def handle(self, *args, component, **options):
        message = getattr(self, f"check_{component}")(**options)
        self.stdout.write(message)

    def check_web(self, *, url, timeout, **_options) -> str:
        url = url or f"http://127.0.0.1:{settings.PORT}/readyz"
        request = urllib.request.Request(url, headers={"Host": health_host()})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own URL
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            raise CommandError(f"web 无响应：{url}（{exc}）") from exc
        if status != 200:
            raise CommandError(f"web 未就绪：{url} 返回 {status}")
        return f"web 正常：{url}"

    def check_worker(self, *, hostname, **_options) -> str:
        from core.health import OK, check_worker

        hostname = hostname or f"celery@{socket.gethostname()}"
        try:
            result = check_worker(hostname)
        except Exception as exc:
            raise CommandError(f"无法读取 worker 心跳（数据库不可用？）：{exc}") from exc
        if result != OK:
            raise CommandError(f"worker {hostname} 异常：{result}")
        return f"worker {hostname} 正常"

    def check_beat(self, *, max_age, **_options) -> str:
        path = Path(settings.BEAT_HEARTBEAT_FILE)
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError as exc:
            raise CommandError(f"beat 尚未运行：没有心跳文件 {path}") from exc
        if age > max_age:
            raise CommandError(f"beat 异常：心跳文件 {path} 已 {int(age)} 秒未更新（上限 {max_age} 秒）")
        return f"beat 正常：{int(age)} 秒前有心跳"
