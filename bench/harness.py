"""What the load test, the fuzz run and the benchmark share: a fresh PostgreSQL database and the
server started as in production (several uvicorn worker processes behind one loopback port,
DEBUG=0, psycopg pool per process, channels-redis), stopped and dropped afterwards.

Not a test module: bench/loadtest.py, bench/fuzz.py and bench/run.py import it.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Base URL of the PostgreSQL server (no database name) and the Redis the servers share.
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
# Everything goes to loopback: no proxy, whatever the environment says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def exit_on_sigterm() -> None:
    """A SIGTERM (CI's timeout) unwinds like Ctrl-C: the server stops and the database is dropped."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_connection():
    import psycopg

    return psycopg.connect(f"{PG_BASE}/postgres", autocommit=True)


@contextlib.contextmanager
def fresh_database(prefix: str, keep: bool = False) -> Iterator[str]:
    """Create an empty database `<prefix>_<pid>` and yield its URL; drop it afterwards unless `keep`."""
    name = f"{prefix}_{os.getpid()}"
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_BASE}/{name}"
    finally:
        if not keep:
            with admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, redis_db: int, **extra: str) -> dict[str, str]:
    """The environment of a production process (DEBUG=0, pooled connections, Redis) on loopback HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=f"{REDIS_BASE}/{redis_db}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no redirect to https (a TLS proxy would sit in front in production).
        SECURE_SSL_REDIRECT="0",
        DB_POOL="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def setup_django(env: dict[str, str]) -> None:
    """Set Django up in this process against the same database and settings as the server."""
    os.environ.update({k: v for k, v in env.items() if k != "DB_POOL"})
    os.environ.pop("DB_POOL", None)  # the harness needs one plain connection, not a pool
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


class Server:
    """`uvicorn callcenter.asgi:application --workers N` on a free loopback port, as production runs it."""

    def __init__(self, env: dict[str, str], workers: int = 2, port: int = 0, log: Path | None = None) -> None:
        self.env, self.workers, self.port = env, workers, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or ROOT / "bench" / "out" / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(VENV_BIN / "uvicorn"), "callcenter.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            # Channels' router has no lifespan protocol; production logs go to the proxy, not here.
            "--lifespan", "off", "--no-access-log", "--log-level", "warning",
            "--loop", "uvloop", "--http", "httptools",
            # uvicorn would take X-Forwarded-For from loopback as the client's address: Django's
            # NUM_PROXIES alone decides which address to believe (callcenter.addresses).
            "--no-proxy-headers",
        ]  # fmt: skip
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        ok = 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log}")
            try:
                with HTTP.open(f"{self.url}/api/health", timeout=5) as response:
                    ok = ok + 1 if response.status == 200 else 0
            except (urllib.error.URLError, OSError):
                ok = 0
            # Every worker has imported Django once a run of answers came back (they share the socket).
            if ok >= 4 * self.workers:
                return
            time.sleep(0.05 if ok else 0.3)
        raise RuntimeError(f"server not ready after {timeout} s; see {self.log}")

    def pids(self) -> list[int]:
        """The supervisor and its worker processes."""
        assert self.proc is not None
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        found = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [self.proc.pid, *found]

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_file.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]
