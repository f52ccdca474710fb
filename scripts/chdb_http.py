#!/usr/bin/env python3
"""ClickHouse's HTTP interface over chdb (current ClickHouse embedded, from PyPI), so glir's
ClickHouse tests can run against the current engine as well as Debian's 18.16.

    pip install chdb
    python3 scripts/chdb_http.py [PORT=18124] [DATA_DIR=/tmp/glir-chdb]
    GLIR_TEST_CLICKHOUSE=clickhouse://127.0.0.1:18124 cargo test -p glir-store ...

Only what glir sends is served (https://clickhouse.com/docs/interfaces/http): the query as the
request body, or as the `query` parameter with the body as its data (INSERT ... FORMAT
JSONEachRow); the output in the query's FORMAT (TabSeparated by default); an error as status
500 with ClickHouse's message. Queries run one at a time in one chdb session.
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from chdb import session

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18124
DATA = sys.argv[2] if len(sys.argv) > 2 else "/tmp/glir-chdb"
SESSION = session.Session(DATA)
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def run(self, body: bytes) -> None:
        params = parse_qs(urlparse(self.path).query)
        text = body.decode("utf-8")
        if "query" in params:
            text = params["query"][0] + "\n" + text
        try:
            with LOCK:
                out = SESSION.query(text, "TabSeparated")
            data = out.bytes() if out is not None else b""
            status = 200
        except Exception as e:  # chdb raises its own error type with ClickHouse's message
            data = str(e).encode("utf-8")
            status = 500
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.run(self.rfile.read(length))

    def do_GET(self) -> None:
        self.run(b"")

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"chdb {SESSION.query('SELECT version()', 'TabSeparated').bytes().decode().strip()} "
          f"on http://127.0.0.1:{PORT}/", flush=True)
    server.serve_forever()
