"""Fuzz run: schemathesis against /swagger.json of the production setup, once per credential.

    .venv/bin/python bench/fuzz.py [--ci] [--max-examples 8] [--seed 1] [--only bot,owner,admin] [-- <schemathesis options>]

Creates a fresh PostgreSQL database (dropped afterwards), migrates it, loads the demo data
(`seed_demo --calls 200`: users of every role, two stores with catalogues, business data), starts
uvicorn with --workers processes on a free loopback port (DEBUG=0, DB_POOL=1, channels-redis), then
runs `schemathesis run` over every operation of /swagger.json with each credential in turn: the
demo store's bot API key (`X-API-Key`), the owner's JWT and the admin's JWT (`Authorization: Bearer`),
the admin last because its run may delete users. Phases: examples, coverage (every parameter's edge
values, missing and wrong-typed ones, unexpected methods) and fuzzing, positive and negative data,
--max-examples per operation, a fixed --seed so runs repeat. The checks and their two documented
exceptions are in bench/fuzz.toml: no 5xx, and where the schema documents a response, its body and
content type conform. Before schemathesis, the hostile inputs it does not make (hostile_run below:
deep JSON, lone surrogates, offsets past 64 bits, signed Twilio webhooks with fields that fit nowhere). --ci (what .ci/run uses, about two minutes) runs the coverage phase with the
admin's credentials only. Exits non-zero when any run finds a failure; the server's log (with
tracebacks) is bench/out/fuzz-server.log.
PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432); Redis: BENCH_REDIS_URL, db 12.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HTTP, ROOT, VENV_BIN, Server, exit_on_sigterm, free_port, fresh_database, migrate, server_env  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

REDIS_DB = 12
CREDENTIALS = ("bot", "owner", "admin")


def token(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with HTTP.open(request, timeout=10) as response:
        return json.load(response)["access"]


def phases_for(name: str, args: argparse.Namespace) -> str:
    if args.ci and name != "admin":
        return ",".join(phase for phase in args.phases.split(",") if phase != "coverage")
    return args.phases


# --- Hostile inputs schemathesis does not make (issue 14, item 5): each class on every operation it fits -------
# JSON nested a thousand levels and more, lone surrogates (hypothesis never writes one), ?offset= past a
# 64-bit integer, and Twilio's signed webhooks (not in /swagger.json) with fields that fit nowhere. A
# seeded random pick of each class's values, so a run repeats; every probe must answer below 500, and
# those with a fixed answer (400 naming the field, TwiML) must give it.
WEEK = 7 * 24 * 3600
TWILIO_TOKEN = "fuzz-twilio-auth-token"


@dataclass
class Probe:
    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    expect: int | None = None  # the status it must answer, when there is one
    names: str = ""  # the field a 400 must name
    twiml: bool = False


def nested(depth: int, kind: str) -> str:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    return opening * depth + "1" + closing * depth


def api_probes(schema: dict, rng: random.Random, store_slug: str, bot_key: str) -> Iterator[Probe]:
    json_type = {"Content-Type": "application/json"}
    for path, item in schema["paths"].items():
        url = "/api" + path.replace("{id}", "1").replace("{slug}", store_slug).replace("{ref}", "1")
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = {p["name"] for p in operation.get("parameters", []) + item.get("parameters", [])}
            if method in ("post", "put", "patch"):
                depth, kind = rng.choice([1000, 1500, 10_000, 200_000]), rng.choice(["list", "object"])
                yield Probe("deep JSON", method.upper(), url, nested(depth, kind).encode(), json_type)
                key, value = rng.choice([("\udfff", "x"), ("k", "\ud800"), ("k", ["\udc00"]), ("k", {"\udfff": 1})])
                body = {"metadata": {key: value}, "callId": "fuzz-surrogate", "name": value, "voice_settings": {key: value}}
                yield Probe("lone surrogate", method.upper(), url, json.dumps(body).encode(), json_type)
            if method == "get" and "offset" in names:
                offset = rng.choice(["9223372036854775808", str(2**64 + 1), "1" + "0" * 30, "9" * 5000])
                yield Probe("offset past bigint", "GET", f"{url}?store={store_slug}&offset={offset}", expect=400, names="offset")
                yield Probe("largest offset", "GET", f"{url}?store={store_slug}&offset={2**63 - 1}", expect=200)
    for depth in (1000, 100_000):  # before any credential
        yield Probe("deep JSON", "POST", "/api/auth/login/", nested(depth, "object").encode(), {**json_type, "Authorization": ""}, expect=400)
    bot = {**json_type, "Authorization": "", "X-API-Key": bot_key}
    yield Probe("lone surrogate", "POST", "/api/calls", b'{"callId": "fuzz-sur", "metadata": {"\\udfff": "x"}}', bot, expect=400, names="metadata")


def webhook_probes(base: str, rng: random.Random, store_number: str) -> tuple[list[Probe], int, list[str]]:
    """Signed webhooks with fields that fit nowhere; the calls they should create, and the CallSids to re-read."""
    validator = RequestValidator(TWILIO_TOKEN)
    probes, creates, sids = [], 0, []

    def signed(path: str, params: dict[str, str]) -> Probe:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": validator.compute_signature(base + path, params)}
        return Probe("Twilio webhook", "POST", path, urllib.parse.urlencode(params).encode(), headers, expect=200, twiml=True)

    for n in range(4):
        sid = f"CA{rng.getrandbits(128):032x}"
        base_params = {"AccountSid": "AC" + "0" * 32, "CallSid": sid, "From": "+15551230001", "To": store_number, "Direction": "inbound"}
        hostile_from = rng.choice(["+1555\x00123", "\x00", "sip:" + "a" * 500, "+1555123\x000001"])
        probes.append(signed("/voice/incoming", {**base_params, "From": hostile_from, "CallStatus": "ringing"}))
        creates += 1
        sids.append(sid)
        speech = rng.choice(["milk\x00", "\x00" * 50, "do you have\x00 bread", "a" * 5000 + "\x00"])
        probes.append(signed("/voice/gather", {**base_params, "SpeechResult": speech, "Digits": rng.choice(["1\x00", ""]), "CallStatus": "in-progress"}))
        duration = rng.choice(["9" * 30, "99999999999", str(2**31), str(WEEK + 1), "9" * 5000, "-1"])
        probes.append(signed("/voice/status", {**base_params, "CallStatus": "completed", "CallDuration": duration, "SequenceNumber": str(rng.randrange(10**30))}))
        long_sid = "CA" + "f" * rng.choice([63, 100, 500, 5000])
        for path in ("/voice/incoming", "/voice/outbound", "/voice/gather", "/voice/status", "/voice/recording"):
            params = {**base_params, "CallSid": long_sid, "CallStatus": "completed", "RecordingUrl": "https://api.twilio.com/r.mp3"}
            if path == "/voice/outbound":
                params.update(From=store_number, To="+15551230001")
            probes.append(signed(path, params))
    return probes, creates, sids


def send(base: str, probe: Probe, auth: str) -> tuple[int, str, bytes]:
    headers = {"Authorization": auth, **probe.headers}
    headers = {name: value for name, value in headers.items() if value}
    request = urllib.request.Request(base + probe.path, data=probe.body or None, method=probe.method, headers=headers)
    try:
        with HTTP.open(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def api_get(base: str, path: str, auth: str) -> dict:
    with HTTP.open(urllib.request.Request(base + path, headers={"Authorization": auth}), timeout=30) as response:
        return json.load(response)


def hostile_run(base: str, auth: str, bot_key: str, seed: int) -> list[str]:
    """Every hostile probe against the server; the failures, described."""
    rng = random.Random(seed)
    stores = api_get(base, "/api/stores/?limit=1000", auth)
    store = next(s for s in stores if s["slug"] == "demo-store")
    with HTTP.open(f"{base}/swagger.json", timeout=30) as response:
        schema = json.load(response)
    total_before = api_get(base, "/api/calls?limit=1", auth)["pagination"]["total"]
    webhooks, creates, sids = webhook_probes(base, rng, store["twilio_numbers"][0])
    probes = [*api_probes(schema, rng, store["slug"], bot_key), *webhooks]
    failures, kinds = [], {}
    for probe in probes:
        status, content_type, body = send(base, probe, auth)
        kinds[probe.kind] = kinds.get(probe.kind, 0) + 1
        wrong = status >= 500 or (probe.expect is not None and status != probe.expect)
        if probe.names and not wrong:
            wrong = probe.names not in json.loads(body).get("fields", {})
        if probe.twiml and not wrong:
            wrong = not content_type.startswith("text/xml") or b"<Response" not in body
        if wrong:
            failures.append(f"{probe.kind}: {probe.method} {probe.path[:120]} answered {status} {body[:200]!r}")
    # Nothing half-written: exactly the calls the webhooks should create, each with a duration a call can have.
    grown = api_get(base, "/api/calls?limit=1", auth)["pagination"]["total"] - total_before
    if grown != creates:
        failures.append(f"Twilio webhook: {grown} calls written, expected {creates}")
    for sid in sids:
        try:
            call = api_get(base, f"/api/calls/{sid}", auth)["data"]
        except urllib.error.HTTPError as error:
            failures.append(f"Twilio webhook: call {sid} not readable ({error.code})")
            continue
        if not 0 <= call["duration"] <= WEEK or "\x00" in call["caller"]:
            failures.append(f"Twilio webhook: call {sid} stored duration {call['duration']}, caller {call['caller']!r}")
    print("fuzz: hostile inputs: " + ", ".join(f"{count} {kind}" for kind, count in kinds.items()) + f"; {len(failures)} failed", flush=True)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase (default 8; 5 with --ci)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--fuzz-workers", type=int, default=2, help="schemathesis's concurrent workers (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis's random seed (default 1)")
    parser.add_argument("--only", default=",".join(CREDENTIALS), help="credentials to run schemathesis with (default bot,owner,admin; \"\" for none)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing", help="schemathesis phases for every credential")
    parser.add_argument(
        "--ci", action="store_true",
        help="CI's bounded run: the coverage phase (every parameter's edge values, unexpected methods) with the admin's "
        "credentials only, examples and fuzzing with each; --max-examples 5 unless given",
    )  # fmt: skip
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile inputs (deep JSON, lone surrogates, huge offsets, webhooks)")
    parser.add_argument("extra", nargs="*", help="more `schemathesis run` options, after --, e.g. -- --include-path-regex calls")
    args = parser.parse_args()
    exit_on_sigterm()
    args.max_examples = args.max_examples or (5 if args.ci else 8)

    failed: list[str] = []
    with fresh_database("callcenter_fuzz", keep=args.keep_db) as database_url:
        # People and bots are throttled per minute; the fuzzer sends far more than any of them.
        port = free_port()
        env = server_env(
            database_url, REDIS_DB, THROTTLE_BOT="100000000/min", THROTTLE_PERSON="100000000/min",
            # The hostile webhooks are signed as Twilio would sign them for this server's address.
            TWILIO_AUTH_TOKEN=TWILIO_TOKEN, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        )  # fmt: skip
        migrate(env)
        subprocess.run([sys.executable, "manage.py", "seed_demo", "--calls", "200", "--quiet"], cwd=ROOT, env=env, check=True)
        bot_key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", "from dashboard.management.commands.seed_demo import demo_api_key; print(demo_api_key('demo-store'))"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        log = ROOT / "bench" / "out" / "fuzz-server.log"
        with Server(env, workers=args.workers, port=port, log=log) as server:
            headers = {
                "bot": f"X-API-Key:{bot_key}",
                "owner": f"Authorization:Bearer {token(server.url, 'owner', 'owner123')}",
                "admin": f"Authorization:Bearer {token(server.url, 'admin', 'admin123')}",
            }
            if not args.no_hostile:
                began = time.monotonic()
                hostile = hostile_run(server.url, headers["admin"].split(":", 1)[1], bot_key, args.seed)
                print(f"fuzz: hostile inputs: {'FAILED' if hostile else 'passed'} in {time.monotonic() - began:.0f} s", flush=True)
                for failure in hostile:
                    print(f"fuzz:   {failure}", flush=True)
                if hostile:
                    failed.append("hostile inputs")
            for name in filter(None, args.only.split(",")):
                began = time.monotonic()
                cmd = [
                    str(VENV_BIN / "schemathesis"), "--config-file", str(ROOT / "bench" / "fuzz.toml"),
                    "run", f"{server.url}/swagger.json",
                    "--header", headers[name],
                    "--generation-with-security-parameters", "false",
                    "--max-examples", str(args.max_examples), "--seed", str(args.seed),
                    "--phases", phases_for(name, args), "--workers", str(args.fuzz_workers),
                    "--request-timeout", "30", "--no-color", "--output-truncate", "true",
                    "--suppress-health-check", "all", "--generation-database", "none",
                ]  # fmt: skip
                cmd += args.extra
                print(f"\nfuzz: === schemathesis with the {name}'s credentials ===", flush=True)
                result = subprocess.run(cmd, cwd=ROOT / "bench" / "out")
                print(f"fuzz: {name}: exit {result.returncode} in {time.monotonic() - began:.0f} s", flush=True)
                if result.returncode != 0:
                    failed.append(name)
    if failed:
        print(f"fuzz: FAILED: {', '.join(failed)} (server log: {log})", file=sys.stderr)
        return 1
    print("fuzz: no 5xx and no response contradicting the schema, with every credential")
    return 0


if __name__ == "__main__":
    sys.exit(main())
