"""A real webhook receiver for the tests: verifies signatures, records every request, applies once.

In-process:   with Receiver(secrets=[...], db_path=..., responses=[500, 500]) as r: ... r.url
Subprocess:   python tests/python/webhook_receiver.py --db PATH --secret S [--secret S2]
                  [--port-file PATH] [--respond 500 ...] [--default-status 200]

Every POST is checked with stockops.queue.webhook.verify (401 and verified=0 on failure) and
recorded in `requests`. A verified request gets the next scripted response (then
`default_status`); when that is 2xx its effect is inserted into `effects` keyed on webhook-id
(insert-or-ignore) in the same transaction, committed before the answer goes out, so a repeated
message id is received twice and applied once.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make `stockops` importable from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "orchestration"))

from stockops.queue.webhook import WebhookVerificationError, verify

SCHEMA = """
create table if not exists requests (
    id              integer primary key,
    webhook_id      text,
    received_at     text not null,
    verified        integer not null,
    status_returned integer not null,
    body            text
);
create index if not exists requests_webhook_id on requests (webhook_id);
create table if not exists effects (
    webhook_id text primary key,
    body       text not null,
    applied_at text not null
);
"""


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: a status, extra headers (e.g. Retry-After) and a delay before it."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


def connect(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    con = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    con.execute("pragma busy_timeout = 10000")
    return con


def init_db(db_path: str | os.PathLike[str]) -> None:
    con = connect(db_path)
    try:
        con.execute("pragma journal_mode = wal")
        con.executescript(SCHEMA)
    finally:
        con.close()


def _query(db_path: str | os.PathLike[str], sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    con = connect(db_path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def request_count(db_path: str | os.PathLike[str], webhook_id: str | None = None) -> int:
    """Requests received (for one webhook-id, or all)."""
    if webhook_id is None:
        return _query(db_path, "select count(*) from requests")[0][0]
    return _query(db_path, "select count(*) from requests where webhook_id = ?", [webhook_id])[0][0]


def requests_by_id(db_path: str | os.PathLike[str]) -> dict[str | None, int]:
    """Requests received per webhook-id."""
    rows = _query(db_path, "select webhook_id, count(*) from requests group by webhook_id")
    return dict(rows)


def request_rows(db_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every recorded request, oldest first."""
    cols = ("id", "webhook_id", "received_at", "verified", "status_returned", "body")
    rows = _query(db_path, f"select {', '.join(cols)} from requests order by id")
    return [dict(zip(cols, row, strict=True)) for row in rows]


def effects_count(db_path: str | os.PathLike[str], webhook_id: str | None = None) -> int:
    """Effects applied (for one webhook-id, or all)."""
    if webhook_id is None:
        return _query(db_path, "select count(*) from effects")[0][0]
    return _query(db_path, "select count(*) from effects where webhook_id = ?", [webhook_id])[0][0]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        webhook_id = self.headers.get("webhook-id")
        try:
            verify(receiver.secrets, dict(self.headers.items()), body, json_parse=False)
        except WebhookVerificationError as exc:
            answer, verified = Scripted(401, {}, 0.0), False
            text = {"error": str(exc)}
        else:
            answer, verified = receiver.next_answer(), True
            text = {"status": answer.status}
        applied = receiver.record(webhook_id, body, verified, answer.status)
        if applied is not None:
            text["applied"] = applied
        if answer.delay_seconds:
            time.sleep(answer.delay_seconds)
        payload = json.dumps(text).encode()
        try:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (a timeout test); what was applied stays applied

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a deliberately slow answer must not hold up stop()
    receiver: Receiver


class Receiver:
    """A local Standard Webhooks receiver backed by a SQLite file (see the module docstring)."""

    def __init__(
        self,
        secrets: Iterable[str],
        db_path: str | os.PathLike[str],
        responses: Iterable[int | Scripted] = (),
        *,
        default_status: int = 200,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.secrets = list(secrets)
        self.db_path = Path(db_path)
        self._script = [r if isinstance(r, Scripted) else Scripted(int(r)) for r in responses]
        self.default_status = default_status
        self._lock = threading.Lock()
        init_db(self.db_path)
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def next_answer(self) -> Scripted:
        with self._lock:
            return self._script.pop(0) if self._script else Scripted(self.default_status)

    def record(
        self, webhook_id: str | None, body: bytes, verified: bool, status: int
    ) -> bool | None:
        """Record one request; apply its effect when verified and answered 2xx.

        Returns whether the effect was newly applied (None when it was not to be applied).
        """
        text = body.decode("utf-8", errors="replace")
        now = datetime.now(UTC).isoformat()
        con = connect(self.db_path)
        try:
            con.execute("begin immediate")
            con.execute(
                "insert into requests (webhook_id, received_at, verified, status_returned, body)"
                " values (?, ?, ?, ?, ?)",
                [webhook_id, now, int(verified), status, text],
            )
            applied = None
            if verified and 200 <= status < 300:
                cur = con.execute(
                    "insert or ignore into effects (webhook_id, body, applied_at) values (?, ?, ?)",
                    [webhook_id, text, now],
                )
                applied = cur.rowcount == 1
            con.execute("commit")
            return applied
        finally:
            con.close()

    # convenience readers for this receiver's db
    def request_count(self, webhook_id: str | None = None) -> int:
        return request_count(self.db_path, webhook_id)

    def requests_by_id(self) -> dict[str | None, int]:
        return requests_by_id(self.db_path)

    def request_rows(self) -> list[dict[str, Any]]:
        return request_rows(self.db_path)

    def effects_count(self, webhook_id: str | None = None) -> int:
        return effects_count(self.db_path, webhook_id)

    def start(self) -> Receiver:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite file recording requests and effects")
    parser.add_argument("--secret", action="append", required=True, help="whsec_ secret (repeat)")
    parser.add_argument("--port-file", help="write the URL here once listening")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--respond", type=int, action="append", default=[], help="scripted status")
    parser.add_argument("--default-status", type=int, default=200)
    args = parser.parse_args(argv)
    receiver = Receiver(
        args.secret,
        args.db,
        args.respond,
        default_status=args.default_status,
        port=args.port,
    )
    if args.port_file:
        tmp = Path(args.port_file + ".tmp")
        tmp.write_text(receiver.url)
        tmp.replace(args.port_file)  # readers never see a half-written URL
    receiver.serve_forever()


if __name__ == "__main__":
    main()
