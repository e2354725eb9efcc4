#!/usr/bin/env python3
"""The benchmark's SMTP sink: accepts every message (aiosmtpd, on 127.0.0.1), keeps nothing but
a count, and tells the count over HTTP (GET http://127.0.0.1:STATUS_PORT/ -> "count bytes").

    bench/.venv/bin/python bench/smtp_sink.py --port 2525 --status-port 2526

Runs until SIGTERM or SIGINT.
"""

import argparse
import http.server
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        # only the controller's event loop thread writes; readers see whole ints (GIL)
        self.count += 1
        self.bytes += len(envelope.content or b"")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--status-port", type=int, required=True)
    args = parser.parse_args()

    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.port)
    controller.start()

    class Status(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"{counter.count} {counter.bytes}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    status = http.server.ThreadingHTTPServer(("127.0.0.1", args.status_port), Status)

    def stop(*_):
        threading.Thread(target=status.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"smtp sink: SMTP on 127.0.0.1:{args.port}, count on :{args.status_port}", file=sys.stderr)
    try:
        status.serve_forever(poll_interval=0.2)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
