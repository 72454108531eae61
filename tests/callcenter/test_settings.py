"""Settings read from the environment; DEBUG=0 refuses a missing or dev SECRET_KEY and passes the deploy checks."""
from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
# Everything settings.py reads: the subprocesses start from none of them, whatever this run uses.
SETTINGS_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "THROTTLE_ANON", "THROTTLE_BOT", "THROTTLE_PERSON", "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_WINDOW", "NUM_PROXIES", "DB_POOL", "DB_POOL_SIZE", "TIME_ZONE", "LOG_LEVEL", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "CORS_ALLOWED_ORIGINS",
}  # fmt: skip
PROBE = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "ALLOWED_HOSTS": s.ALLOWED_HOSTS, "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "ENGINE": s.DATABASES["default"]["ENGINE"], "NAME": str(s.DATABASES["default"]["NAME"]),
    "LAYER": s.CHANNEL_LAYERS["default"]["BACKEND"], "LAYER_HOSTS": s.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "CACHE": s.CACHES["default"]["BACKEND"], "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE, "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT, "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "RATES": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "LOGIN_FAILURE_LIMIT": s.LOGIN_FAILURE_LIMIT,
    "NUM_PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"], "PUBLIC_BASE_URL": s.PUBLIC_BASE_URL,
}, default=repr))  # the Redis options hold retry objects and exception classes
"""


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(variables)
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def probe(**variables: str) -> dict:
    result = run(["-c", PROBE], DJANGO_SETTINGS_MODULE="callcenter.settings", **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def probe_value(name: str, **variables: str):
    """One setting's value in a fresh process started with only `variables` set."""
    script = f"import json\nfrom django.conf import settings as s\nprint(json.dumps(s.{name}))"
    result = run(["-c", script], DJANGO_SETTINGS_MODULE="callcenter.settings", **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_off_without_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_debug_off_with_the_dev_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], DEBUG="0", SECRET_KEY=django_settings.DEV_SECRET_KEY, ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_off_with_a_short_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], DEBUG="0", SECRET_KEY="too-short-0123456789", ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_checks_pass_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_debug_on_starts_with_embedded_defaults():
    result = run(["manage.py", "check"])

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_secure_and_strict():
    values = probe(DEBUG="0", SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="example.com, api.example.com")

    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["example.com", "api.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == []
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000


def test_production_without_allowed_hosts_serves_no_host():
    values = probe(DEBUG="0", SECRET_KEY=random_secret_key())

    assert values["ALLOWED_HOSTS"] == []


def test_embedded_defaults_use_sqlite_and_in_memory_layer():
    values = probe()

    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(ROOT / "db.sqlite3")
    assert values["LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    assert "testserver" in values["ALLOWED_HOSTS"]


def test_database_url_and_redis_url_are_read():
    values = probe(DATABASE_URL="postgres://postgres@db.internal:5432/callcenter", REDIS_URL="redis://cache.internal:6379/5")

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "callcenter"
    assert values["LAYER"] == "channels_redis.core.RedisChannelLayer"
    assert [host["address"] for host in values["LAYER_HOSTS"]] == ["redis://cache.internal:6379/5"]
    # Throttle counters must be shared by every process.
    assert values["CACHE"] == "callcenter.cache.RedisCache"  # Django's, one client and pool per process
    assert values["CACHE_LOCATION"] == "redis://cache.internal:6379/5"


def test_rate_limits_and_proxies_are_read():
    values = probe(
        THROTTLE_ANON="7/min", THROTTLE_BOT="8/min", THROTTLE_PERSON="9/min", LOGIN_FAILURE_LIMIT="3", NUM_PROXIES="1",
        PUBLIC_BASE_URL="https://calls.example.com/",
    )  # fmt: skip

    assert values["RATES"] == {"anon": "7/min", "bot": "8/min", "person": "9/min"}
    assert values["LOGIN_FAILURE_LIMIT"] == 3
    assert values["NUM_PROXIES"] == 1
    assert values["PUBLIC_BASE_URL"] == "https://calls.example.com"


def test_env_example_names_the_core_variables():
    names = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }

    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PUBLIC_BASE_URL",
            "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LOGIN_FAILURE_LIMIT", "NUM_PROXIES"} <= names  # fmt: skip


@pytest.mark.parametrize("name", ["ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION"])
def test_refresh_tokens_rotate_and_blacklist(name):
    assert django_settings.SIMPLE_JWT[name] is True
    assert "rest_framework_simplejwt.token_blacklist" in django_settings.INSTALLED_APPS


def test_a_process_freezes_its_warm_heap_after_its_first_request(client, db):
    import gc

    from django.core.signals import request_finished

    from callcenter.apps import freeze_warm_heap

    client.get("/api/health")

    # Django, the libraries and the views stay out of every later full collection (~90 ms each here).
    assert gc.get_freeze_count() > 10_000
    assert request_finished.disconnect(freeze_warm_heap) is False, "it runs once, then leaves the signal"


@pytest.mark.parametrize("proxies,header", [("0", None), ("1", ["HTTP_X_FORWARDED_PROTO", "https"])])
def test_forwarded_proto_is_believed_only_behind_a_proxy(proxies, header):
    code = "import json; from django.conf import settings as s; print(json.dumps(s.SECURE_PROXY_SSL_HEADER))"
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="callcenter.settings", DEBUG="0", SECRET_KEY=random_secret_key(), NUM_PROXIES=proxies)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == header


def test_a_negative_num_proxies_refuses_to_start():
    result = run(["manage.py", "check"], NUM_PROXIES="-1")

    assert result.returncode != 0
    assert "NUM_PROXIES" in result.stderr


@pytest.mark.parametrize("debug,renderers", [("0", ["JSONRenderer"]), ("1", ["JSONRenderer", "BrowsableAPIRenderer"])])
def test_the_browsable_api_is_only_there_while_developing(debug, renderers):
    code = (
        "import django, json; django.setup(); from django.test import Client; from django.conf import settings as s; "
        "r = Client().get('/api/ping', HTTP_ACCEPT='text/html', secure=True); "
        "print(json.dumps([[c.rsplit('.', 1)[1] for c in s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']], r['Content-Type']]))"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="callcenter.settings", DEBUG=debug, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="testserver")

    assert result.returncode == 0, result.stderr
    names, content_type = json.loads(result.stdout.strip().splitlines()[-1])
    assert names == renderers
    assert content_type.startswith("text/html" if debug == "1" else "application/json")


def test_readme_lists_every_variable_settings_read():
    """README's configuration table names every environment variable callcenter/settings.py reads."""
    import re

    source = (ROOT / "callcenter" / "settings.py").read_text()
    read = set(re.findall(r"\benv(?:_bool|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert len(read) > 20, read  # the pattern still finds them
    assert read - listed == set(), "missing from README's configuration table"
