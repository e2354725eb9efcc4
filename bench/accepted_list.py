#!/usr/bin/env python3
"""Measures the hottest read path, the published list of accepted talks, against a real server:

* starts `mcfp demo` on a free port with a throwaway database (emails go to a temporary spool),
* fills the demo event to N proposals, accepts them all, releases the decisions, publishes,
* then, over one keep-alive connection, times GET /api/v1/events/rust-mc/accepted (200 from the
  in-process cache after the first read), the same with If-None-Match (304), the HTML page, and,
  as a reference that reads the database every time, the chairs' proposal list of the same
  event; and reads the cache's hit and miss counters from /metrics.

It prints requests per second and latency percentiles for each, the machine baseline (SHA-256
MiB/s on one core, measured in the same run) and the ratio of cached JSON reads per second to it.

    python3 bench/accepted_list.py [--proposals 200] [--requests 2000] [--bin target/release/mcfp]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), like the tests.
"""

import hashlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "demo-password-2026"


def arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, token=None, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, dict(response.getheaders()), payload


def expect(client, status, method, path, body=None, token=None):
    got, _, payload = client.request(method, path, body, token)
    if got != status:
        sys.exit(f"{method} {path}: expected {status}, got {got}: {payload[:300]!r}")
    return json.loads(payload) if payload else None


def timed(client, path, n, headers=None, token=None, want=200):
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        status, _, _ = client.request("GET", path, token=token, headers=headers)
        latencies.append(time.perf_counter() - t)
        if status != want:
            sys.exit(f"GET {path}: expected {want}, got {status}")
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": n / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def sha256_mib_per_s(seconds=1.0):
    block = os.urandom(1 << 20)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        hashlib.sha256(block).digest()
        done += 1
    return done / (time.perf_counter() - started)


def main():
    proposals = arg("--proposals", 200)
    requests = arg("--requests", 2000)
    binary = arg("--bin", os.path.join(ROOT, "target", "debug", "mcfp"))
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-q", "--bin", "mcfp"], cwd=ROOT, check=True)
    database = f"mcfp_bench_{os.getpid()}"
    port = free_port()
    spool = tempfile.mkdtemp(prefix="mcfp-bench-spool-")
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        MCFP_LISTEN=f"127.0.0.1:{port}",
        MCFP_MAIL_SPOOL=spool,
        MCFP_SECRET_KEY="bench-secret-key-0123456789-abcdefghijkl",
        MCFP_SUBMIT_RATE_PER_MINUTE="100000",
        MCFP_AUTH_RATE_PER_MINUTE="100000",
        RUST_LOG="warn",
    )
    server = subprocess.Popen([binary, "demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while True:
            try:
                status, _, _ = Client(port).request("GET", "/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                sys.exit("the server did not become ready: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        c = Client(port)
        chair = expect(c, 200, "POST", "/api/v1/auth/login",
                       {"email": "chair@demo.mcfp.test", "password": PASSWORD})["token"]
        # at most 100 proposals per speaker: the demo's four speakers take turns
        speakers = [expect(c, 200, "POST", "/api/v1/auth/login",
                           {"email": f"{who}@demo.mcfp.test", "password": PASSWORD})["token"]
                    for who in ("speaker", "miguel", "alice", "arthur")]
        expect(c, 200, "PATCH", "/api/v1/events/rust-mc", {"max_proposals_per_speaker": 100}, chair)
        existing = len(expect(c, 200, "GET", "/api/v1/events/rust-mc/proposals?limit=500", token=chair)["items"])
        kernel = "A Rust driver for the Linux kernel: safe abstractions over DMA, interrupts and the device model"
        general = "A Rust compiler talk: borrow checking, trait solving and code generation with rustc and LLVM"
        for i in range(max(0, proposals - existing)):
            topic = kernel if i % 2 else general
            expect(c, 201, "POST", "/api/v1/events/rust-mc/proposals", {
                "title": f"Bench talk {i}: {topic[:40]}", "abstract": topic + f". Part {i} of the series, with lessons learnt.",
                "notes": "", "format": "talk", "track": None, "co_speakers": [], "links": []},
                speakers[i % len(speakers)])
        for track in ("rust-for-linux", "rust"):
            expect(c, 200, "POST", "/api/v1/events/rust-mc/decisions",
                   {"track": track, "decision": "accept", "note": "bench"}, chair)
        expect(c, 200, "POST", "/api/v1/events/rust-mc/decisions/release", token=chair)
        expect(c, 200, "POST", "/api/v1/events/rust-mc/publish", token=chair)

        path = "/api/v1/events/rust-mc/accepted"
        t = time.perf_counter()
        status, headers, body = c.request("GET", path)
        first_ms = 1000 * (time.perf_counter() - t)
        listed = len(json.loads(body)["items"])
        etag = headers.get("ETag") or headers.get("etag")
        reference = "reference: chairs' proposal list (database every time)"
        results = {
            "json 200 (cached)": timed(c, path, requests),
            "json 304 (If-None-Match)": timed(c, path, requests, {"If-None-Match": etag}, want=304),
            "html page 200 (cached)": timed(c, "/events/rust-mc/accepted", requests // 4),
            reference: timed(c, "/api/v1/events/rust-mc/proposals?limit=50", requests // 4, token=chair),
        }
        _, _, metrics = c.request("GET", "/metrics")
        counters = [l for l in metrics.decode().splitlines() if l.startswith("mcfp_accepted_cache_total")]
        baseline = sha256_mib_per_s()

        print(f"accepted list of {listed} talks; first (uncached) read {first_ms:.1f} ms")
        for name, r in results.items():
            print(f"{name:58} {r['rps']:8.0f} req/s   p50 {r['p50_ms']:6.2f} ms   p99 {r['p99_ms']:6.2f} ms")
        print("cache counters: " + ", ".join(counters))
        cached = results["json 200 (cached)"]["rps"]
        print(f"machine baseline: SHA-256 {baseline:.0f} MiB/s on one core")
        print(f"ratio: {cached / baseline:.2f} cached JSON reads/s per SHA-256 MiB/s; "
              f"cached JSON is {cached / results[reference]['rps']:.1f}x "
              "the database-every-time reference")
        print("one client, one keep-alive connection; binary:", os.path.relpath(binary, ROOT))
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                        f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(spool, ignore_errors=True)


if __name__ == "__main__":
    main()
