"""Browser tests: Playwright drives Debian's Chromium against daphne serving the project in a subprocess.

pytest-django's live_server speaks WSGI, without WebSockets, so the server is a real ASGI process
on a loopback port, with its own database (a file SQLite database, or a PostgreSQL database named
after the test database) migrated and filled by `seed_demo`. It uses the in-memory channel layer:
one process needs nothing more, and a Redis shared with other test runs would mix their events in.
The tests reach it only over HTTP, as a browser or a bot would.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach Google's services from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
BASE_DIR = Path(settings.BASE_DIR)
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_STORE = "demo-store"
PASSWORDS = {"admin": "admin123", "owner": "owner123", "agent": "agent123"}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


try:
    from playwright import sync_api
except ImportError:  # pragma: no cover
    sync_api = None


def why_no_browser() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)"
    if sync_api is None:
        return "browser tests need the playwright package (pip install -r requirements.txt)"
    return None


NO_BROWSER = why_no_browser()
# Every test module here starts with this mark.
needs_browser = pytest.mark.skipif(NO_BROWSER is not None, reason=NO_BROWSER or "")


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log: Path

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp: Path) -> tuple[str, object]:
    """A fresh database for the server, and how to drop it afterwards."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return f"sqlite:///{tmp / 'browser.sqlite3'}", lambda: None
    import psycopg

    db = settings.DATABASES["default"]
    name = f"{settings.DATABASES['default']['TEST'].get('NAME') or 'test_' + db['NAME']}_browser"[:63]
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"] or None}

    def run(sql: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{params['host']}:{params['port']}/{name}", lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with NO_PROXY.open(url + "/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a starting process, not waiting in a test
    raise RuntimeError(f"daphne did not answer within 30 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="callcenter-browser-"))
    url_db, drop = database_url(tmp)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=url_db,
        DEBUG="1",
        TWILIO_AUTH_TOKEN="",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        DJANGO_SETTINGS_MODULE="callcenter.settings",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    log = tmp / "daphne.log"
    srv = Server(url=f"http://127.0.0.1:{port}", env=env, log=log)
    srv.manage("migrate", "--noinput", "-v0")
    srv.manage("seed_demo", "--calls", "60", "--quiet")
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    with log.open("w") as out:
        proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "callcenter.asgi:application"],
                                cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_until_up(srv.url, proc, log)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    # Package scope: Playwright's sync API keeps an event loop running on this thread while it lives, so it
    # stops once tests/browser is done; later asyncio tests (tests/calls/test_socketio.py, which pytest-django
    # orders after these) would otherwise fail with "Runner.run() cannot be called from a running event loop".
    playwright = sync_api.sync_playwright().start()
    # Playwright gives each launch a fresh, temporary profile (user-data dir) of its own.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch) -> None:
    # Playwright's sync API keeps an event loop on this thread; Django would refuse ORM calls made beside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}


@pytest.fixture(scope="package")
def signed_in(browser, server) -> dict[str, dict]:
    """Each role's session cookies, signed in once through the form and reused (a sign-in costs a page load)."""
    states: dict[str, dict] = {}

    def state(username: str) -> dict:
        if username not in states:
            context = browser.new_context(base_url=server.url)
            log_in(context.new_page(), username)
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state  # type: ignore[return-value]


@pytest.fixture
def open_page(browser, server, signed_in) -> Iterator[object]:
    """`open_page("owner", phone=True)`: a new page in its own browser context, signed in as that user (or no one).

    Every page opened fails the test if it raises a JavaScript error or breaks its Content-Security-Policy."""
    contexts, errors, violations = [], [], []

    def open_(username: str | None = None, *, phone: bool = False):
        options = {**(PHONE if phone else DESKTOP), "base_url": server.url, "accept_downloads": True}
        if username:
            options["storage_state"] = signed_in(username)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda message: violations.extend(csp_violations(page, message)))
        return page

    sync_api.expect.set_options(timeout=10_000)
    try:
        yield open_
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


# Runs in every page before its own scripts: each violation of the policy becomes a console error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def csp_violations(page, message) -> list[str]:
    """The page's console errors that are CSP refusals (Chromium's own wording, or the listener's above)."""
    text = message.text
    if message.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
        return [f"{page.url}: {text}"]
    return []


@pytest.fixture
def page(open_page) -> object:
    """A desktop page signed in as nobody."""
    return open_page()


def wait_ready(page) -> None:
    """Until the page's scripts have bound their handlers (static/js/app.js sets the mark), a click is lost."""
    sync_api.expect(page.locator("html")).to_have_attribute("data-ready", "1")


def goto(page, url: str, *, ready: bool = True):
    """`page.goto`, then wait for the page's scripts; every test opens pages through this, never bare.
    `ready=False` for pages that are not the site's own (the admin, the API docs)."""
    response = page.goto(url)
    if ready:
        wait_ready(page)
    return response


def follow(page, locator) -> None:
    """Click something that loads another page (a link, a form's button), then wait for that page's scripts."""
    with page.expect_navigation():
        locator.click()
    wait_ready(page)


def log_in(page, username: str) -> None:
    goto(page, "/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    follow(page, page.get_by_role("button", name="Sign in"))
    sync_api.expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
