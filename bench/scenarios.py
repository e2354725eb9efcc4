#!/usr/bin/env python3
"""The measuring half of bench/run.sh (which installs, builds, seeds, starts the servers and
cleans up): every scenario of issue 12 next to the machine limit it is compared with, measured
in the same run, printed as a table and written to bench/RESULTS.md.

Not meant to be run by hand: run.sh passes the ports, pids and database. Standard library only
(plus wrk, pgbench and psql on PATH).
"""

import argparse
import asyncio
import concurrent.futures
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ small HTTP client


def request(port, method, path, headers=None, body=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_http(port, path, deadline_seconds=120):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            status, _, _ = request(port, "GET", path, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered 200 on 127.0.0.1:{port}{path} within {deadline_seconds} s")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ process facts


def proc_status(pid):
    """(VmRSS, VmHWM) in KiB, or (None, None)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except OSError:
        return None, None
    return values.get("VmRSS"), values.get("VmHWM")


def cpu_seconds(pid):
    """User + system CPU time of the process so far, in seconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_cpu_seconds():
    """User + system CPU time so far of every PostgreSQL process on the machine (its backends,
    the checkpointer, WAL writer...): the server is shared, so other clients count too."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
        except OSError:
            continue
        total += cpu_seconds(entry)
    return total


def settle(pids, limit_seconds=180):
    """Waits until the servers are idle (under 5 % of a core over half a second): a scenario's
    requests still running after wrk stopped would otherwise eat into the next one."""
    started = time.monotonic()
    while time.monotonic() - started < limit_seconds:
        before = sum(cpu_seconds(p) for p in pids)
        time.sleep(0.5)
        if sum(cpu_seconds(p) for p in pids) - before < 0.025:
            return time.monotonic() - started
    log(f"  the servers were still busy after {limit_seconds} s; going on")
    return time.monotonic() - started


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs), so it becomes this
    scenario's peak. False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def psql(db, sql):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


# ------------------------------------------------------------------ wrk

REPORT_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%.1f,"p90_us":%.1f,' ..
    '"p99_us":%.1f,"max_us":%.1f,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""

ROTATING_LUA = r"""
local counter = 0
local id = 0
local run = "run"
local next_id = 0
setup = function(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
init = function(args)
  id = tid or 0
  run = args[1] or "run"
end
"""


def lua_string(text):
    return json.dumps(text)  # a JSON string is a valid Lua string literal for ASCII text


class Scenario:
    def __init__(self, name, port, method="GET", path="/", headers=None, body=None,
                 lua_request=None, expect=200, limit=None, pid=None, count=True, metrics=True):
        self.name = name
        self.port = port
        self.method = method
        self.path = path
        self.headers = headers or {}
        self.body = body
        self.lua_request = lua_request  # Lua source of a request() function, or None
        self.expect = expect
        self.limit = limit  # key of the limit row it is compared with
        self.pid = pid
        self.count = count  # measure SQL statements per request
        self.metrics = metrics  # the server is mcfp, whose /metrics counts responses

    def lua(self):
        if self.lua_request:
            return ROTATING_LUA + self.lua_request + REPORT_LUA
        lines = [f"wrk.method = {lua_string(self.method)}"]
        for key, value in self.headers.items():
            lines.append(f"wrk.headers[{lua_string(key)}] = {lua_string(value)}")
        if self.body is not None:
            lines.append(f"wrk.body = {lua_string(self.body)}")
        return "\n".join(lines) + "\n" + REPORT_LUA


def start_wrk(scenario, seconds, connections, threads, workdir, tag):
    script = os.path.join(workdir, f"{re.sub(r'[^a-z0-9]+', '-', scenario.name.lower())}.lua")
    with open(script, "w") as f:
        f.write(scenario.lua())
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
        "-s", script, f"http://127.0.0.1:{scenario.port}{scenario.path}", "--", tag,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.bench_name = scenario.name
    process.bench_seconds = seconds
    return process


def finish_wrk(process):
    try:
        stdout, stderr = process.communicate(timeout=process.bench_seconds + 120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit(f"wrk did not stop for {process.bench_name}")
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
            result["non_2xx_3xx"] = 0
            match = re.search(r"Non-2xx or 3xx responses: (\d+)", stdout)
            if match:
                result["non_2xx_3xx"] = int(match.group(1))
            return result
    raise SystemExit(f"wrk gave no report for {process.bench_name}:\n{stdout}\n{stderr}")


def run_wrk(scenario, seconds, connections, threads, workdir, tag):
    return finish_wrk(start_wrk(scenario, seconds, connections, threads, workdir, tag))


METRIC_LINE = re.compile(
    r'^mcfp_http_requests_total\{method="([A-Z]+)",route="([^"]*)",status="(\d+)"\} (\d+)$')


def served(port, method, path):
    """mcfp's own count of responses to requests like this one, by status, from /metrics (its
    counters are by route pattern), and the instant the count was read."""
    _, _, body = request(port, "GET", "/metrics", timeout=120)
    at = time.monotonic()
    path = path.split("?")[0]
    counts = {}
    for line in body.decode().splitlines():
        match = METRIC_LINE.match(line)
        if not match or match.group(1) != method:
            continue
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(match.group(2))) + "$"
        if re.match(pattern, path):
            status = int(match.group(3))
            counts[status] = counts.get(status, 0) + int(match.group(4))
    return counts, at


# ------------------------------------------------------------------ statements per request


def is_pool_check(sql):
    """The pool's liveness check before it hands out a connection (diesel-async's recycling)."""
    return " ".join(sql.split()).upper() in ("SELECT $1", "SELECT 1")


class StatementCounter:
    """A PostgreSQL wire-protocol proxy that counts what the server is asked to execute:
    Execute messages (extended protocol, what diesel-async sends for every query) and simple
    Query messages (BEGIN, COMMIT, ...). Statements the outbox worker sends — its transactions
    touch `outbox` — are counted apart, so a poll of the worker does not count as a request's."""

    def __init__(self, upstream_port=5432):
        self.upstream_port = upstream_port
        self.request_statements = 0
        self.request_checks = 0
        self.request_transactions = 0
        self.worker_statements = 0
        self.lock = threading.Lock()
        self.loop = None
        self.port = None

    def snapshot(self):
        with self.lock:
            return self.request_statements, self.request_checks, self.request_transactions

    def start(self):
        ready = threading.Event()

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(
                asyncio.start_server(self.handle, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self.port

    async def handle(self, client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return

        async def backwards():
            try:
                while True:
                    data = await upstream_reader.read(65536)
                    if not data:
                        break
                    client_writer.write(data)
                    await client_writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                client_writer.close()

        task = asyncio.ensure_future(backwards())
        try:
            await self.forwards(client_reader, upstream_writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            upstream_writer.close()
            await asyncio.gather(task, return_exceptions=True)

    async def forwards(self, reader, writer):
        # startup: length-prefixed messages without a type byte; SSL/GSS requests repeat it
        while True:
            head = await reader.readexactly(4)
            body = await reader.readexactly(int.from_bytes(head, "big") - 4)
            writer.write(head + body)
            await writer.drain()
            if int.from_bytes(body[:4], "big") not in (80877103, 80877104):
                break
        statements = {}  # prepared statement name -> SQL
        portals = {}  # portal name -> statement name
        in_transaction = False
        pending = []  # the open transaction's statements: SQL texts
        held = []  # pool liveness checks, counted with whatever uses the connection next
        while True:
            kind = await reader.readexactly(1)
            head = await reader.readexactly(4)
            body = await reader.readexactly(int.from_bytes(head, "big") - 4)
            if kind == b"P":
                name, _, rest = body.partition(b"\0")
                sql, _, _ = rest.partition(b"\0")
                statements[name] = sql.decode(errors="replace")
            elif kind == b"B":
                portal, _, rest = body.partition(b"\0")
                statement, _, _ = rest.partition(b"\0")
                portals[portal] = statement
            elif kind in (b"E", b"Q"):
                if kind == b"E":
                    portal, _, _ = body.partition(b"\0")
                    sql = statements.get(portals.get(portal, b""), "")
                else:
                    sql = body.rstrip(b"\0").decode(errors="replace")
                word = sql.strip().upper()
                if word.startswith("BEGIN") or word.startswith("START TRANSACTION"):
                    in_transaction = True
                    pending = held + [sql]
                    held = []
                elif in_transaction and (word.startswith("COMMIT") or word.startswith("ROLLBACK")):
                    pending.append(sql)
                    self.count(pending, transaction=True)
                    in_transaction = False
                    pending = []
                elif in_transaction:
                    pending.append(sql)
                elif is_pool_check(sql):
                    held.append(sql)
                else:
                    self.count(held + [sql], transaction=False)
                    held = []
            writer.write(kind + head + body)
            await writer.drain()

    def count(self, sqls, transaction):
        # the counting server runs no outbox worker (`serve --no-worker`): every statement is a
        # request's, the receipts a submission queues included; the listener for public changes
        # has a connection of its own that the proxy also sees, but it only LISTENs (at start)
        worker = False
        checks = sum(1 for s in sqls if is_pool_check(s))
        if os.environ.get("BENCH_SQL_LOG"):
            with open(os.environ["BENCH_SQL_LOG"], "a") as f:
                for sql in sqls:
                    f.write(f"{'worker' if worker else 'request'}\t{int(transaction)}\t{' '.join(sql.split())[:160]}\n")
        with self.lock:
            if worker:
                self.worker_statements += len(sqls)
            else:
                self.request_statements += len(sqls) - checks
                self.request_checks += checks
                self.request_transactions += int(transaction)


# ------------------------------------------------------------------ the run


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows = []  # dicts, in print order
        self.limits = {}  # key -> req/s
        self.notes = []
        self.sql_counts = {}  # scenario name -> (statements, transactions) per request
        self.workdir = args.workdir
        self.server_pids = [args.mcfp_pid, args.hello_pid]
        os.makedirs(self.workdir, exist_ok=True)

    # ---- one load scenario
    def check(self, scenario):
        # the previous scenario's last requests may still hold the server: give it a minute
        deadline = time.monotonic() + 60
        while True:
            status, _, body = request(scenario.port, scenario.method, scenario.path,
                                      self.first_request_headers(scenario), self.first_body(scenario))
            if status != 503 or time.monotonic() > deadline:
                break
            time.sleep(1)
        if status != scenario.expect:
            raise SystemExit(f"{scenario.name}: expected {scenario.expect}, got {status}: {body[:300]!r}")

    def first_request_headers(self, scenario):
        if scenario.lua_request:
            return scenario.check_headers
        return scenario.headers

    def first_body(self, scenario):
        if scenario.lua_request:
            return scenario.check_body
        return scenario.body

    def settle(self):
        waited = settle(self.server_pids)
        if waited > 1:
            log(f"  (waited {waited:.0f} s for the servers to go idle)")

    def measure(self, scenario):
        a = self.args
        self.settle()
        self.check(scenario)  # the first may fill caches: time the second
        started = time.monotonic()
        self.check(scenario)
        alone = time.monotonic() - started
        rss_start, _ = proc_status(scenario.pid) if scenario.pid else (None, None)
        if scenario.metrics:
            # One continuous wrk run; the rate is mcfp's own count of responses in the window
            # after the warm-up (from /metrics), so requests still in flight when wrk starts or
            # stops count for what they are. A heavy request makes every one of the connections
            # wait about connections × its time ÷ cores: the warm-up and the window grow to
            # cover that (up to a minute each).
            expected = a.connections * alone / (os.cpu_count() or 1)
            warmup = round(min(60, max(a.warmup, 1.5 * expected)))
            duration = round(min(60, max(a.duration, 2 * expected)))
            log(f"{scenario.name}: alone {alone * 1000:.0f} ms; {warmup} s warm-up, then {duration} s "
                f"at {a.connections} connections")
            peak_reset = reset_peak(scenario.pid)
            process = start_wrk(scenario, warmup + duration, a.connections, a.threads, self.workdir,
                                "run" + secrets.token_hex(3))
            time.sleep(warmup)
            cpu_before = (cpu_seconds(scenario.pid), postgres_cpu_seconds(), cpu_seconds(process.pid))
            before, t0 = served(scenario.port, scenario.method, scenario.path)
            time.sleep(max(0.0, t0 + duration - time.monotonic()))
            after, t1 = served(scenario.port, scenario.method, scenario.path)
            cpu_after = (cpu_seconds(scenario.pid), postgres_cpu_seconds(), cpu_seconds(process.pid))
            result = finish_wrk(process)
            window = t1 - t0
            delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            completed = sum(delta.values())
            unexpected = sum(v for k, v in delta.items() if k != scenario.expect)
            rps = completed / window if window > 0 else 0.0
            # CPU milliseconds per response in the window: mcfp, PostgreSQL, wrk (the profile
            # that bounds the rate: 2 cores ÷ their sum)
            cpu_ms = tuple(1000 * (b - a) / completed if completed else None
                           for a, b in zip(cpu_before, cpu_after))
            method = "mcfp /metrics"
            statuses = {k: v for k, v in sorted(delta.items()) if v}
        else:
            log(f"{scenario.name}: warm-up {a.warmup} s, then {a.duration} s at {a.connections} connections")
            if a.warmup > 0:
                run_wrk(scenario, a.warmup, a.connections, a.threads, self.workdir, "warm" + secrets.token_hex(3))
            peak_reset = scenario.pid is not None and reset_peak(scenario.pid)
            result = run_wrk(scenario, a.duration, a.connections, a.threads, self.workdir, "run" + secrets.token_hex(3))
            seconds = result["duration_us"] / 1e6
            completed = result["requests"]
            unexpected = result["non_2xx_3xx"]
            rps = completed / seconds if seconds else 0.0
            warmup, duration, method = a.warmup, a.duration, "wrk"
            statuses = None
            cpu_ms = None
        rss, hwm = proc_status(scenario.pid) if scenario.pid else (None, None)
        row = {
            "scenario": scenario.name,
            "rps": rps,
            "p50_ms": result["p50_us"] / 1000,
            "p99_ms": result["p99_us"] / 1000,
            "rss_kib": hwm if peak_reset else rss,
            "rss_start_kib": rss_start,
            "requests": completed,
            "errors": result["connect"] + result["read"] + result["write"] + result["timeout"] + unexpected,
            "limit": scenario.limit,
            "timing": f"{warmup}+{duration} s, {method}",
            "cpu_ms": cpu_ms,
        }
        if row["errors"]:
            self.notes.append(
                f"{scenario.name}: {row['errors']} requests failed or answered an unexpected status"
                + (f"; responses in the window by status: {statuses}" if statuses else "")
                + f" (wrk over its whole run: {result['requests']} completed, {result['non_2xx_3xx']} "
                f"non-2xx/3xx, {result['timeout']} timeouts, {result['connect'] + result['read'] + result['write']} "
                "socket errors; mcfp's log names the cause)")
        log(f"  {row['rps']:.1f} req/s, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, "
            f"errors {row['errors']}")
        return row

    def limit(self, key, scenario):
        row = self.measure(scenario)
        row["is_limit"] = True
        self.limits[key] = (row["scenario"], row["rps"])
        self.rows.append(row)

    def scenario(self, scenario):
        row = self.measure(scenario)
        row["sql"] = self.sql_counts.get(scenario.name)
        self.rows.append(row)

    # ---- accounts
    def login(self, email):
        status, headers, body = request(
            self.args.mcfp_port, "POST", "/api/v1/auth/login",
            {"Content-Type": "application/json"},
            json.dumps({"email": email, "password": self.args.password}))
        if status != 200:
            raise SystemExit(f"login {email}: {status} {body[:200]!r}")
        cookie = None
        for key, value in headers.items():
            if key.lower() == "set-cookie" and value.startswith("mcfp_session="):
                cookie = value.split(";")[0]
        return json.loads(body)["token"], cookie

    def accounts(self, slug, idle):
        domain = f"{slug}.bench.test"
        chair_token, chair_cookie = self.login(f"chair@{domain}")
        if not chair_cookie:
            raise SystemExit("the API login set no mcfp_session cookie for the dashboard")
        reviewer_token, _ = self.login(f"reviewer001@{domain}")
        emails = [f"idle{n:05d}@{domain}" for n in range(1, idle + 1)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            speaker_tokens = [t for t, _ in pool.map(self.login, emails)]
        status, headers, list_body = request(self.args.mcfp_port, "GET", f"/api/v1/events/{slug}/accepted")
        etag = {k.lower(): v for k, v in headers.items()}.get("etag")
        if status != 200 or not etag:
            raise SystemExit(f"the accepted list of {slug}: {status}, ETag {etag!r}")
        status, _, page_body = request(self.args.mcfp_port, "GET", f"/events/{slug}")
        if status != 200:
            raise SystemExit(f"the CfP page of {slug}: {status}")
        return {
            "chair": chair_token, "cookie": chair_cookie, "reviewer": reviewer_token,
            "speakers": speaker_tokens, "speaker_emails": emails, "etag": etag,
            # the sizes of the cached responses: each is compared with a static body as large
            "list_bytes": len(list_body), "page_bytes": len(page_body),
        }

    # ---- the scenarios of one event
    def read_scenarios(self, slug, acc, port, pid):
        chair = {"Authorization": f"Bearer {acc['chair']}"}
        return [
            Scenario(f"accepted list JSON ({slug})", port, path=f"/api/v1/events/{slug}/accepted",
                     limit=f"body{acc['list_bytes']}", pid=pid),
            Scenario(f"accepted list JSON, If-None-Match → 304 ({slug})", port,
                     path=f"/api/v1/events/{slug}/accepted", headers={"If-None-Match": acc["etag"]},
                     expect=304, limit="hello", pid=pid),
            Scenario(f"public CfP page /events/{{slug}} ({slug})", port, path=f"/events/{slug}",
                     limit=f"body{acc['page_bytes']}", pid=pid),
            Scenario(f"reviewer's queue API, first page of 50 ({slug})", port, path=f"/api/v1/events/{slug}/review-queue",
                     headers={"Authorization": f"Bearer {acc['reviewer']}"}, limit="select", pid=pid),
            Scenario(f"chair's ranking API, first page of 50 ({slug})", port, path=f"/api/v1/events/{slug}/ranking",
                     headers=chair, limit="select", pid=pid),
            Scenario(f"chair's dashboard page, first 50 ({slug})", port,
                     path=f"/events/{slug}/dashboard", headers={"Cookie": acc["cookie"]},
                     limit="select", pid=pid),
            # issue 14: the table searched (full text over titles, abstracts and speakers' names)
            # and sorted by a review figure (over the cached ranking)
            Scenario(f"chair's dashboard page, search q=Miri, first 50 ({slug})", port,
                     path=f"/events/{slug}/dashboard?q=Miri", headers={"Cookie": acc["cookie"]},
                     limit="select", pid=pid),
            Scenario(f"chair's dashboard page, sort=-calibrated, first 50 ({slug})", port,
                     path=f"/events/{slug}/dashboard?sort=-calibrated", headers={"Cookie": acc["cookie"]},
                     limit="select", pid=pid),
            Scenario(f"chair's dashboard page, search q=Miri and sort=title ({slug})", port,
                     path=f"/events/{slug}/dashboard?q=Miri&sort=title", headers={"Cookie": acc["cookie"]},
                     limit="select", pid=pid),
            Scenario(f"chair's API proposal list (dashboard), q=Miri&sort=-calibrated ({slug})", port,
                     path=f"/api/v1/events/{slug}/proposals?q=Miri&sort=-calibrated", headers=chair,
                     limit="select", pid=pid),
            Scenario(f"chair's API proposal list, page of 50 ({slug})", port,
                     path=f"/api/v1/events/{slug}/proposals?limit=50", headers=chair,
                     limit="select", pid=pid),
        ]

    def login_scenario(self, acc, port, pid):
        emails = "{" + ",".join(lua_string(e) for e in acc["speaker_emails"]) + "}"
        password_json = json.dumps(self.args.password)
        lua = f"""
local emails = {emails}
request = function()
  counter = counter + 1
  local email = emails[((id * 7919 + counter) % #emails) + 1]
  return wrk.format("POST", "/api/v1/auth/login", {{["Content-Type"] = "application/json"}},
    '{{"email":"' .. email .. '","password":' .. {lua_string(password_json)} .. '}}')
end
"""
        scenario = Scenario("login POST /api/v1/auth/login", port, method="POST",
                            path="/api/v1/auth/login", lua_request=lua, limit="argon2", pid=pid)
        scenario.check_headers = {"Content-Type": "application/json"}
        scenario.check_body = json.dumps({"email": acc["speaker_emails"][0], "password": self.args.password})
        return scenario

    def submission_scenario(self, slug, acc, port, pid):
        tokens = "{" + ",".join(lua_string(t) for t in acc["speakers"]) + "}"
        path = f"/api/v1/events/{slug}/proposals"
        abstract = ("We measured how a Rust driver for a small PCI device behaves under load: "
                    "DMA mapping, interrupt handling and the safe abstractions around them.")
        lua = f"""
local tokens = {tokens}
request = function()
  counter = counter + 1
  local token = tokens[((id * 7919 + counter) % #tokens) + 1]
  local body = '{{"title":"Bench ' .. run .. '-' .. id .. '-' .. counter ..
    ': safe abstractions for a PCI driver","abstract":"{abstract} (' .. counter ..
    ')","notes":"","format":"talk","track":null,"co_speakers":[],"links":[]}}'
  return wrk.format("POST", {lua_string(path)}, {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}}, body)
end
"""
        scenario = Scenario(f"submission POST /api/v1/events/{{slug}}/proposals ({slug})", port,
                            method="POST", path=path, lua_request=lua, expect=201,
                            limit="pgbench", pid=pid)
        scenario.check_headers = {"Content-Type": "application/json",
                                  "Authorization": f"Bearer {acc['speakers'][0]}"}
        scenario.check_body = json.dumps({
            "title": "Bench check: safe abstractions for a PCI driver", "abstract": abstract,
            "notes": "", "format": "talk", "track": None, "co_speakers": [], "links": []})
        return scenario

    # ---- SQL statements per request, on a second server behind the counting proxy
    def count_statements(self, scenarios):
        a = self.args
        counter = StatementCounter()
        proxy_port = counter.start()
        port = free_port()
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{proxy_port}/{a.db}",
            "MCFP_LISTEN": f"127.0.0.1:{port}",
            "RUST_LOG": "warn",
        })
        log_file = open(os.path.join(self.workdir, "mcfp-counting.log"), "w")
        # no outbox worker: its polls would mix with the statements of requests that queue mail
        server = subprocess.Popen([a.mcfp_bin, "serve", "--no-worker"], env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT, cwd=self.workdir)
        try:
            wait_http(port, "/readyz")
            for scenario in scenarios:
                headers = self.first_request_headers(scenario)
                body = self.first_body(scenario)
                for _ in range(3):  # fills the pool's statement cache and the list cache
                    request(port, scenario.method, scenario.path, headers, body)
                n = a.count_requests
                before = counter.snapshot()
                for _ in range(n):
                    status, _, _ = request(port, scenario.method, scenario.path, headers, body)
                    if status != scenario.expect:
                        raise SystemExit(f"counting {scenario.name}: status {status}")
                time.sleep(0.3)  # the last response may precede its transaction's COMMIT
                after = counter.snapshot()
                per = tuple((y - x) / n for x, y in zip(before, after))
                self.sql_counts[scenario.name] = per
                log(f"  {scenario.name}: {per[0]:.1f} statements (+{per[1]:.1f} pool checks), "
                    f"{per[2]:.1f} transactions per request")
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
            log_file.close()

    # ---- references that are not HTTP
    def pgbench_limit(self):
        a = self.args
        psql(a.db, "CREATE TABLE IF NOT EXISTS bench_pgbench (id bigserial PRIMARY KEY, "
                   "payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
        self.settle()
        script = os.path.join(self.workdir, "insert.sql")
        with open(script, "w") as f:
            f.write("INSERT INTO bench_pgbench (payload) VALUES ('a row like a small proposal');\n")
        base = ["pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", "16", "-j", str(a.threads),
                "-f", script]
        log(f"pgbench single-row INSERT, 16 clients: warm-up {a.warmup} s, then {a.duration} s")
        if a.warmup > 0:
            subprocess.run(base + ["-T", str(a.warmup), a.db], check=True, capture_output=True)
        logdir = tempfile.mkdtemp(dir=self.workdir)
        out = subprocess.run(base + ["-T", str(a.duration), "-l", "--log-prefix",
                                     os.path.join(logdir, "tx"), a.db],
                             check=True, capture_output=True, text=True)
        tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout).group(1))
        latencies = []
        for name in os.listdir(logdir):
            with open(os.path.join(logdir, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        latencies.append(int(parts[2]))
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000 if latencies else 0
        row = {"scenario": "limit: pgbench single-row INSERT, 16 clients", "rps": tps,
               "p50_ms": p(0.50), "p99_ms": p(0.99), "rss_kib": None, "is_limit": True,
               "requests": len(latencies), "errors": 0}
        self.limits["pgbench"] = (row["scenario"], tps)
        self.rows.append(row)
        log(f"  {tps:.0f} tps")

    def argon2_limit(self):
        a = self.args
        self.settle()
        log(f"argon2id, mcfp's parameters, 2 threads, {a.duration} s")
        out = subprocess.run([a.mcfp_bin, "bench-argon2", "--seconds", str(a.duration), "--threads", "2"],
                             check=True, capture_output=True, text=True)
        rate = json.loads(out.stdout.strip().splitlines()[-1])
        row = {"scenario": "limit: argon2id hashes (m=19 MiB, t=2, p=1), 2 threads, mcfp's function",
               "rps": rate["per_second"], "p50_ms": None, "p99_ms": None, "rss_kib": None,
               "is_limit": True, "requests": rate["hashes"], "errors": 0}
        self.limits["argon2"] = (row["scenario"], rate["per_second"])
        self.rows.append(row)
        log(f"  {rate['per_second']:.1f} hashes/s")

    def sink_count(self):
        _, _, body = request(self.args.sink_status_port, "GET", "/")
        return int(body.split()[0])

    def sink_limit(self, messages):
        """The sink's own rate: one smtplib connection sending like the worker does (one
        pooled connection, one message at a time), messages the size of a decision email."""
        a = self.args
        log(f"SMTP sink rate: {messages} messages over one connection (after the outbox drained)")
        self.drain_outbox()
        text = ("Dear speaker,\n\nthank you for your proposal. " * 40)[:2400]
        before = self.sink_count()
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", a.sink_port, timeout=30) as smtp:
            for n in range(messages):
                message = EmailMessage()
                message["From"] = "mcfp <cfp@mcfp.localhost>"
                message["To"] = f"speaker{n}@bench.test"
                message["Subject"] = f"Your proposal {n}"
                message.set_content(text)
                message.add_alternative(f"<p>{text}</p>", subtype="html")
                smtp.send_message(message)
        elapsed = time.monotonic() - started
        received = self.sink_count() - before
        rate = received / elapsed
        row = {"scenario": "limit: SMTP sink (aiosmtpd), one smtplib connection", "rps": rate,
               "p50_ms": None, "p99_ms": None, "rss_kib": None, "is_limit": True,
               "requests": received, "errors": max(0, messages - received), "unit": "emails/s"}
        self.limits["sink"] = (row["scenario"], rate)
        self.rows.append(row)
        log(f"  {rate:.0f} messages/s")

    def drain_outbox(self):
        """Waits until the worker has sent everything queued (the submissions' receipts)."""
        started = time.monotonic()
        while int(psql(self.args.db, "SELECT count(*) FROM outbox WHERE state = 'queued'")) > 0:
            if time.monotonic() - started > 900:
                raise SystemExit("the outbox did not drain within 15 minutes")
            time.sleep(0.5)
        if time.monotonic() - started > 1:
            log(f"  (waited {time.monotonic() - started:.0f} s for the outbox to drain)")
        self.settle()

    def release(self, slug, acc, pid):
        a = self.args
        log("release: waiting for the outbox to drain first")
        self.drain_outbox()
        expected = json.loads(request(a.mcfp_port, "GET", f"/api/v1/events/{slug}/decisions/release",
                                      {"Authorization": f"Bearer {acc['chair']}"})[2])["unreleased"]
        peak_reset = reset_peak(pid)
        before = self.sink_count()
        started = time.monotonic()
        status, _, body = request(a.mcfp_port, "POST", f"/api/v1/events/{slug}/decisions/release",
                                  {"Authorization": f"Bearer {acc['chair']}"}, timeout=600)
        posted = time.monotonic() - started
        if status != 200:
            raise SystemExit(f"release: {status} {body[:300]!r}")
        queued = json.loads(body)["queued"]
        log(f"  released {expected} decisions, {queued} emails queued in {posted:.2f} s")
        deadline = started + 900
        while self.sink_count() - before < queued:
            if time.monotonic() > deadline:
                raise SystemExit("the sink did not get every email within 15 minutes")
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        rss, hwm = proc_status(pid)
        row = {"scenario": f"release {expected:,} decisions → all {queued:,} emails in the sink ({slug})",
               "rps": queued / elapsed, "p50_ms": None, "p99_ms": None,
               "rss_kib": hwm if peak_reset else rss, "limit": "sink", "requests": queued,
               "errors": 0, "unit": "emails/s", "sql": None,
               "detail": f"{elapsed:.1f} s from the POST to the last email; the POST itself took {posted:.2f} s"}
        self.rows.append(row)
        log(f"  {queued} emails in {elapsed:.2f} s: {queued / elapsed:.0f} emails/s")

    # ---- report
    def table(self):
        def number(x):
            if x is None:
                return "—"
            return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}" if x >= 10 else f"{x:,.2f}"

        def ms(x):
            return "—" if x is None else (f"{x:.2f} ms" if x < 10 else f"{x:,.0f} ms")

        lines = ["| scenario | req/s | p50 | p99 | RSS | limit | ratio | SQL/req | CPU ms/req: mcfp + PG + wrk |",
                 "|---|---:|---:|---:|---:|---|---:|---:|---:|"]
        for row in self.rows:
            rate = number(row["rps"]) + (f" {row['unit']}" if row.get("unit") else "")
            if row.get("errors"):
                rate += f" ({row['errors']} err)"
            rss = "—" if row.get("rss_kib") is None else f"{row['rss_kib'] / 1024:,.0f} MiB"
            if row.get("rss_start_kib") is not None and row.get("rss_kib") is not None:
                rss += f" (from {row['rss_start_kib'] / 1024:,.0f})"
            limit, ratio = "—", "—"
            if row.get("limit") in self.limits:
                name, value = self.limits[row["limit"]]
                short = {"hello": "hello world", "select": "actix + 1 SELECT",
                         "pgbench": "pgbench INSERT", "argon2": "argon2id/s",
                         "sink": "sink emails/s"}.get(row["limit"])
                if short is None:  # body<N>
                    short = f"static {int(row['limit'][4:]):,} B"
                limit = f"{short} {number(value)}"
                ratio = f"{row['rps'] / value:.3f}" if value else "—"
            sql = row.get("sql")
            sql_text = "—"
            if sql:
                sql_text = f"{sql[0]:.1f}"
                if sql[2] >= 0.05:
                    sql_text += f" in {sql[2]:.1f} tx"
                sql_text += f" (+{sql[1]:.1f} checks)"
            name = row["scenario"]
            timing = row.get("timing", "")
            if timing and not timing.startswith(f"{self.args.warmup}+{self.args.duration} s"):
                name += f" [{timing.split(',')[0]}]"
            if row.get("detail"):
                name += f" — {row['detail']}"
            cpu = row.get("cpu_ms")
            cpu_text = "—"
            if cpu and None not in cpu:
                cpu_text = f"{cpu[0]:.3f} + {cpu[1]:.3f} + {cpu[2]:.3f} = {sum(cpu):.3f}"
            lines.append(f"| {name} | {rate} | {ms(row.get('p50_ms'))} | {ms(row.get('p99_ms'))} | "
                         f"{rss} | {limit} | {ratio} | {sql_text} | {cpu_text} |")
        return "\n".join(lines)


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": mem_kib / 1024 / 1024,
            "kernel": platform.release()}


def version(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--mcfp-bin", required=True)
    p.add_argument("--mcfp-port", type=int, required=True)
    p.add_argument("--mcfp-pid", type=int, required=True)
    p.add_argument("--hello-port", type=int, required=True)
    p.add_argument("--hello-pid", type=int, required=True)
    p.add_argument("--sink-port", type=int, required=True)
    p.add_argument("--sink-status-port", type=int, required=True)
    p.add_argument("--slugs", required=True, help="comma-separated; the first is the main event")
    p.add_argument("--idle-speakers", type=int, required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--count-requests", type=int, default=20)
    p.add_argument("--sink-messages", type=int, default=2000)
    p.add_argument("--seed-report", action="append", default=[], help="JSON file from bench-seed")
    p.add_argument("--workdir", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--command", default="bench/run.sh")
    p.add_argument("--only", default="", help="a regular expression: only the scenarios whose name "
                   "matches, with the limits they are compared with")
    a = p.parse_args()

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    bench = Bench(a)
    slugs = a.slugs.split(",")
    main_slug = slugs[0]
    wait_http(a.mcfp_port, "/readyz")
    wait_http(a.hello_port, "/")

    log("signing in: chair, reviewer, idle speakers (API logins)")
    accounts = {slug: bench.accounts(slug, a.idle_speakers if slug == main_slug else 0) for slug in slugs}
    acc = accounts[main_slug]
    port, pid = a.mcfp_port, a.mcfp_pid

    hello = Scenario("limit: actix-web hello world (mcfp bench-hello, GET /)", a.hello_port, path="/",
                     pid=a.hello_pid, metrics=False)
    select = Scenario("limit: actix + 1 SELECT by key through the pool (GET /select)", a.hello_port,
                      path="/select", pid=a.hello_pid, metrics=False)
    insert = Scenario("limit: actix + 1 INSERT through the pool (POST /insert)", a.hello_port,
                      method="POST", path="/insert", expect=201, pid=a.hello_pid, metrics=False)
    reads = {slug: bench.read_scenarios(slug, accounts[slug], port, pid) for slug in slugs}
    login = bench.login_scenario(acc, port, pid)
    submission = bench.submission_scenario(main_slug, acc, port, pid)

    def wanted(scenario):
        return not a.only or re.search(a.only, scenario.name) is not None

    def needs(limit):
        return any(wanted(s) and s.limit == limit
                   for s in [x for slug in slugs for x in reads[slug]] + [login, submission])

    log("SQL statements per request (second server behind a counting proxy)")
    bench.count_statements([s for slug in slugs for s in reads[slug] if wanted(s)]
                           + [s for s in [login, submission] if wanted(s)])

    def body_limits(scenarios):
        """The static bodies as large as these scenarios' cached responses, measured first."""
        for key in dict.fromkeys(s.limit for s in scenarios if wanted(s) and (s.limit or "").startswith("body")):
            if key not in bench.limits:
                n = int(key[4:])
                bench.limit(key, Scenario(
                    f"limit: actix serving a static body of {n:,} bytes (GET /bytes/{n})",
                    a.hello_port, path=f"/bytes/{n}", pid=a.hello_pid, metrics=False))

    if needs("hello"):
        bench.limit("hello", hello)
    body_limits(reads[main_slug][:3])
    for s in reads[main_slug][:3]:
        if wanted(s):
            bench.scenario(s)
    if needs("select"):
        bench.limit("select", select)
    for s in reads[main_slug][3:]:
        if wanted(s):
            bench.scenario(s)
    if wanted(login):
        bench.argon2_limit()
        bench.scenario(login)
    for slug in slugs[1:]:
        body_limits(reads[slug])
        for s in reads[slug]:
            if wanted(s):
                bench.scenario(s)
    if not a.only or re.search(a.only, "release"):
        bench.sink_limit(a.sink_messages)
        bench.release(main_slug, acc, pid)
    # last: the submissions' receipts keep the outbox worker busy for minutes afterwards
    if wanted(submission):
        bench.pgbench_limit()
        bench.rows.append(bench.measure(insert) | {"is_limit": True})
        bench.scenario(submission)

    load_after = os.getloadavg()
    facts = machine()
    table = bench.table()
    seeds = []
    for path in a.seed_report:
        with open(path) as f:
            seeds.append(json.loads(f.read().strip().splitlines()[-1]))
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    pg_version = psql(a.db, "SHOW server_version")
    lines = [
        "# mcfp benchmark results",
        "",
        f"Written by `{a.command}` on {started:%Y-%m-%d %H:%M} UTC (mcfp {head}{' with local changes' if dirty else ''}, release build).",
        "",
        "## Machine",
        "",
        f"- {facts['nproc']} CPUs (`nproc`), {facts['cpu']}, {facts['memory_gib']:.1f} GiB memory, Linux {facts['kernel']}",
        f"- load average (1/5/15 min) {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} at the start, "
        f"{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} at the end: the machine is shared, so every "
        "figure is next to a limit measured minutes before it in the same run",
        f"- PostgreSQL {pg_version} on 127.0.0.1:5432 (shared with others); {version(['wrk', '--version'])}; "
        f"{version(['pgbench', '--version'])}; Python {platform.python_version()} for the SMTP sink (aiosmtpd)",
        f"- load: wrk with {a.threads} threads and {a.connections} connections, {a.warmup} s warm-up then "
        f"{a.duration} s per scenario; wrk, mcfp, PostgreSQL and the sink share the same {facts['nproc']} CPUs",
        "",
        "## Data",
        "",
    ]
    for s in seeds:
        lines.append(
            f"- `{s['slug']}`: {s['proposals']:,} proposals, {s['accounts']:,} accounts, {s['reviews']:,} reviews "
            f"({s['assignments']:,} assignments), {s['accepted']:,} accepted and published, {s['unreleased']:,} decided "
            f"but unreleased; seeded through the database layer (`mcfp bench-seed`) in {s['seconds']:.1f} s")
    lines += [
        "",
        "## Results",
        "",
        table,
        "",
        "- **req/s**: responses per second in the measured window (errors, if any, in brackets). For "
        "mcfp's scenarios one wrk run covers warm-up and window, and the rate is mcfp's own count of "
        "responses in the window (its `/metrics` counters, read when the window opens and closes), "
        "so requests in flight at either end count for what they are; a scenario whose single "
        "request is slow gets a longer warm-up and window, about 1.5× and 2× the time each of the "
        "connections then waits (connections × its time alone ÷ cores, at most 60 s each), shown as "
        "[warm-up+window] after its name. For the `bench-hello` limits: a warm-up wrk run, then a "
        "measured one, counted by wrk. **p50/p99**: wrk's latency percentiles over its whole run; "
        "for pgbench, from its per-transaction log.",
        "- **RSS**: the peak resident memory (VmHWM) of the process serving the scenario during it "
        "(mcfp, or `mcfp bench-hello` for the HTTP limits; the peak is reset before each scenario "
        "through /proc/PID/clear_refs), and in brackets its resident memory when the scenario "
        "started: one mcfp process serves every scenario in turn and keeps what its allocator took.",
        "- Between scenarios the run waits until the servers are idle again (requests a closed wrk "
        "connection left running would otherwise be counted against the next scenario).",
        "- **limit / ratio**: the machine limit the scenario is compared with, measured in this run, and "
        "scenario ÷ limit. Read scenarios served from memory with no query (the accepted list, an "
        "anonymous visitor's CfP page) are compared with actix serving a static body of the same "
        "size from memory (`mcfp bench-hello`'s GET /bytes/N: the copy to the socket grows with the "
        "size, which a hello world does not show), the 304 with the hello world; those that query "
        "per request with actix + 1 SELECT; "
        "submissions with pgbench's single-row INSERT (16 clients; actix + 1 INSERT is shown as well); "
        "logins with argon2id hashes per second on 2 threads (one verification per login); the "
        "release with the sink's own rate.",
        "- **CPU ms/req**: CPU time (user + system, from /proc) spent in the measured window by mcfp, "
        "by every PostgreSQL process and by wrk, divided by the responses in the window. It is the "
        "profile that bounds a scenario: the 2 cores serve at most about 2,000 ÷ (the sum) requests "
        "per second, and with 64 connections always waiting, each waits about 64 ÷ (req/s) seconds "
        "(Little's law), so a p99 under 50 ms at 64 connections needs over 1,280 req/s, which is a sum "
        "under about 1.5 ms. PostgreSQL's figure includes whatever else the shared server ran.",
        "- **SQL/req**: statements PostgreSQL executed per request (Execute messages of the extended "
        "protocol plus simple queries such as BEGIN/COMMIT; \"in N tx\": explicit transactions), "
        "and in brackets the pool's liveness checks (`SELECT $1` each time a connection is taken "
        "from the pool), counted "
        f"over {a.count_requests} sequential requests (after 3 warm-up ones) on a second `mcfp serve` "
        "whose database connection goes through a counting wire-protocol proxy (`bench/scenarios.py`) "
        "and which runs no outbox worker (`mcfp serve --no-worker`), so the statements of requests "
        "that queue emails (submission) are counted too.",
    ]
    if bench.notes:
        lines += ["", "## Errors during the run", ""] + [f"- {n}" for n in bench.notes]
    lines += [
        "",
        "## Not measured",
        "",
        "- `pg_stat_statements`: it needs `shared_preload_libraries` and a restart of the shared "
        "PostgreSQL server, which this benchmark must not do; statements are counted at the wire instead.",
        "- SQL/req of the release: one request that queues a thousand emails; its figure would be "
        "per release, not per request.",
        "",
    ]
    text = "\n".join(lines)
    with open(a.output, "w") as f:
        f.write(text)
    print(table)
    print(f"\n(written to {a.output})")


if __name__ == "__main__":
    main()
