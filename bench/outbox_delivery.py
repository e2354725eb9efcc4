#!/usr/bin/env python3
"""Measures email delivery: how fast `mcfp worker` empties a full outbox into an SMTP server,
next to how fast that server takes messages from a plain client.

* creates a throwaway database on 127.0.0.1:5432 (user postgres, trust, like the tests), applies
  the migrations with `mcfp migrate` and queues N emails straight into the outbox (~2 KB each,
  text and HTML, as a decision email),
* starts an SMTP sink in this process (asyncio, one task per connection, any number of
  connections; `--delay-ms` makes it wait before it answers the end of each message, as a slow
  relay would),
* measures the sink's own rate: Python's smtplib sending N messages over one connection (it writes
  each message and its end-of-data marker in one write), and over `--connections` at once,
* starts `mcfp worker` on the database, times the first to the last message received, checks
  that every row is marked sent and that no Message-ID arrived twice, and stops it with SIGTERM.

It prints emails per second for the worker and for the sink's own client, and their ratio.

    python3 bench/outbox_delivery.py [--emails 500] [--delay-ms 0] [--connections 4]
                                     [--bin target/debug/mcfp]
"""

import asyncio
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = "postgres://postgres@127.0.0.1:5432"


def arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def psql(database, sql):
    return subprocess.run(
        ["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


class Sink:
    """An SMTP server that takes everything; counts messages and Message-IDs."""

    def __init__(self, delay):
        self.delay = delay
        self.times = []
        self.message_ids = []
        self.lock = threading.Lock()

    async def session(self, reader, writer):
        writer.write(b"220 sink.test ESMTP\r\n")
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                message_id = None
                while True:
                    data = await reader.readline()
                    if not data or data == b".\r\n":
                        break
                    if message_id is None and data[:11].lower() == b"message-id:":
                        message_id = data[11:].strip().decode()
                if self.delay:
                    await asyncio.sleep(self.delay)
                with self.lock:
                    self.times.append(time.perf_counter())
                    self.message_ids.append(message_id)
                writer.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    def reset(self):
        with self.lock:
            self.times.clear()
            self.message_ids.clear()

    def count(self):
        with self.lock:
            return len(self.times)


def start_sink(delay):
    sink = Sink(delay)
    ready = threading.Event()
    holder = {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(sink.session, "127.0.0.1", 0))
        holder["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait()
    return sink, holder["port"]


BODY = ("Dear speaker, thank you for your proposal to the Rust MC. " * 30 + "\r\n") * 1


def plain_client(port, count, tag):
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(count):
            msg = (
                f"From: cfp@mcfp.test\r\nTo: r{i}@example.org\r\nSubject: bench {i}\r\n"
                f"Message-ID: <{tag}-{i}@bench>\r\n\r\n{BODY}"
            )
            smtp.sendmail("cfp@mcfp.test", [f"r{i}@example.org"], msg)


def rate(sink, count):
    times = sorted(sink.times)
    if len(times) < 2:
        return float("nan")
    return (len(times) - 1) / (times[-1] - times[0]) if times[-1] > times[0] else float("inf")


def main():
    n = arg("--emails", 500)
    delay = arg("--delay-ms", 0) / 1000
    connections = arg("--connections", 4)
    binary = arg("--bin", os.path.join(ROOT, "target", "debug", "mcfp"))
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-q", "--bin", "mcfp"], cwd=ROOT, check=True)
    sink, port = start_sink(delay)

    # the sink's own rate, from a client that sends each message in one write
    plain_client(port, n, "one")
    one = rate(sink, n)
    sink.reset()
    per = max(1, n // connections)
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(lambda k: plain_client(port, per, f"c{k}"), range(connections)))
    many = rate(sink, per * connections)
    sink.reset()

    database = f"mcfp_bench_{uuid.uuid4().hex[:12]}"
    psql("postgres", f'CREATE DATABASE "{database}"')
    url = f"{SERVER}/{database}"
    env = dict(os.environ, DATABASE_URL=url, RUST_LOG="warn",
               MCFP_SMTP_URL=f"smtp://127.0.0.1:{port}",
               MCFP_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnop",
               MCFP_MAIL_FROM="Rust MC CfP <cfp@mcfp.test>")
    env.pop("MCFP_MAIL_SPOOL", None)
    worker = None
    try:
        subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
        psql(database, f"""
            INSERT INTO outbox (id, dedupe_key, kind, recipient, subject, body_text, body_html)
            SELECT gen_random_uuid(), 'bench:' || g, 'bench', 'Speaker ' || g || ' <s' || g || '@example.org>',
                   'Your proposal to Rust MC: talk ' || g,
                   repeat('Dear speaker, thank you for your proposal to the Rust MC. ', 30),
                   '<p>' || repeat('Dear speaker, thank you for your proposal to the Rust MC. ', 30) || '</p>'
            FROM generate_series(1, {n}) g""")
        started = time.perf_counter()
        worker = subprocess.Popen([binary, "worker"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        deadline = started + max(120, n / 5)
        while sink.count() < n and time.perf_counter() < deadline and worker.poll() is None:
            time.sleep(0.05)
        total = time.perf_counter() - started
        received = sink.count()
        worker_rate = rate(sink, received)
        time.sleep(0.5)
        sent = int(psql(database, "SELECT count(*) FROM outbox WHERE state = 'sent'"))
        worker.send_signal(signal.SIGTERM)
        try:
            _, err = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            _, err = worker.communicate()
        ids = sink.message_ids
        print(f"emails: {n}, sink delay {delay * 1000:.0f} ms per message")
        print(f"sink, smtplib over 1 connection: {one:8.1f} emails/s")
        print(f"sink, smtplib over {connections} connections: {many:8.1f} emails/s")
        print(f"mcfp worker: {worker_rate:8.1f} emails/s (first to last message); "
              f"{received} received in {total:.2f} s from the worker's start; "
              f"{received / total:.1f} emails/s overall")
        print(f"ratio worker / sink over 1 connection: {worker_rate / one:.2f}")
        print(f"rows marked sent: {sent}; distinct Message-IDs: {len(set(ids))} of {len(ids)}")
        if worker.returncode not in (0, None):
            print(err[-2000:])
        if received != n or len(set(ids)) != len(ids) or sent != n:
            sys.exit("not every email was delivered exactly once")
    finally:
        if worker and worker.poll() is None:
            worker.kill()
        psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
