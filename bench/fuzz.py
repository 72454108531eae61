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
content type conform. --ci (what .ci/run uses, about two minutes) runs the coverage phase with the
admin's credentials only. Exits non-zero when any run finds a failure; the server's log (with
tracebacks) is bench/out/fuzz-server.log.
PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432); Redis: BENCH_REDIS_URL, db 12.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HTTP, ROOT, VENV_BIN, Server, exit_on_sigterm, fresh_database, migrate, server_env  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase (default 8; 5 with --ci)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--fuzz-workers", type=int, default=2, help="schemathesis's concurrent workers (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis's random seed (default 1)")
    parser.add_argument("--only", default=",".join(CREDENTIALS), help="credentials to run with (default bot,owner,admin)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing", help="schemathesis phases for every credential")
    parser.add_argument(
        "--ci", action="store_true",
        help="CI's bounded run: the coverage phase (every parameter's edge values, unexpected methods) with the admin's "
        "credentials only, examples and fuzzing with each; --max-examples 5 unless given",
    )  # fmt: skip
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("extra", nargs="*", help="more `schemathesis run` options, after --, e.g. -- --include-path-regex calls")
    args = parser.parse_args()
    exit_on_sigterm()
    args.max_examples = args.max_examples or (5 if args.ci else 8)

    failed: list[str] = []
    with fresh_database("callcenter_fuzz", keep=args.keep_db) as database_url:
        # People and bots are throttled per minute; the fuzzer sends far more than any of them.
        env = server_env(database_url, REDIS_DB, THROTTLE_BOT="100000000/min", THROTTLE_PERSON="100000000/min")
        migrate(env)
        subprocess.run([sys.executable, "manage.py", "seed_demo", "--calls", "200", "--quiet"], cwd=ROOT, env=env, check=True)
        bot_key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", "from dashboard.management.commands.seed_demo import demo_api_key; print(demo_api_key('demo-store'))"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        log = ROOT / "bench" / "out" / "fuzz-server.log"
        with Server(env, workers=args.workers, log=log) as server:
            headers = {
                "bot": f"X-API-Key:{bot_key}",
                "owner": f"Authorization:Bearer {token(server.url, 'owner', 'owner123')}",
                "admin": f"Authorization:Bearer {token(server.url, 'admin', 'admin123')}",
            }
            for name in args.only.split(","):
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
        print(f"fuzz: FAILED with the credentials of: {', '.join(failed)} (server log: {log})", file=sys.stderr)
        return 1
    print("fuzz: no 5xx and no response contradicting the schema, with every credential")
    return 0


if __name__ == "__main__":
    sys.exit(main())
