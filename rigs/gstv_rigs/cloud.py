"""The reference cloud: the cloud contract (DESIGN.md, "Cloud contract") served over
real HTTP on loopback, for tests, the demo and rigs. Not a production server: the
standard library's threading HTTP server, state in a directory.

    GET  /sites/{siteId}/updates?cursor=C   {"updates": [{"kind", "body", "id"}], "cursor"}
    GET  /media/{filename}                  bytes; Range; a `sha256` header
    POST /notifications                     one seed notification
    POST /pop                               an array of POP records (de-duplicated by
                                            recordId; the answer says how many were new)

Control endpoints (`/_control/...`), for whoever drives a test or a demo:

    POST /_control/updates        {"kind": ..., "body": ...}: queue an update (kind:
                                  playlist, configuration, network or media)
    PUT  /_control/media/{name}   the body is the file
    POST /_control/faults         switches, all optional (see `Faults`)
    GET  /_control/received       {"notifications": [...], "pop": [...]}

State directory: `updates.jsonl` (the queued updates, in order; an update's id is its
line number, the cursor the last id handed out), `media/`, `received/notifications.jsonl`
and `received/pop.jsonl`. A restart keeps everything.

With a token file, every request but `/_control` must carry `Authorization: Bearer
<token>`; requests without it get 401.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from scheduler.filenames import unsafe_reason
from sync_agent.update_queue import KINDS

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 << 20
CHUNK = 64 * 1024
THROTTLED_PIECE = 16 * 1024


@dataclass
class Faults:
    """What the cloud does wrong, switched on by tests.

    - `fail`: {"METHOD /path-prefix": n}: the next n matching requests get 503.
    - `delay_ms`: {"METHOD /path-prefix": ms}: matching requests wait that long first.
    - `cut_after`: {filename: bytes}: downloads of that file stop after so many bytes
      (the connection is closed mid-body), every time until switched off.
    - `wrong_bytes`: [filename, ...]: those files are served with their last byte
      changed, and the right length and sha256 header.
    - `bad_copy`: {filename: n}: the next n downloads of that file are served with
      their last byte changed and a sha256 header that matches what is served: a cloud
      holding a bad copy, which only the media update's MD5 can tell.
    - `throttle_kbps`: {filename: KiB/s}: downloads of that file trickle at that rate
      (a slow site link; a download long enough to watch or to kill midway).
    """

    fail: dict[str, int] = field(default_factory=dict)
    delay_ms: dict[str, float] = field(default_factory=dict)
    cut_after: dict[str, int] = field(default_factory=dict)
    wrong_bytes: set[str] = field(default_factory=set)
    bad_copy: dict[str, int] = field(default_factory=dict)
    throttle_kbps: dict[str, float] = field(default_factory=dict)

    def take_failure(self, request: str) -> bool:
        for prefix, left in self.fail.items():
            if left > 0 and request.startswith(prefix):
                self.fail[prefix] = left - 1
                return True
        return False

    def delay_for(self, request: str) -> float:
        return max((ms for prefix, ms in self.delay_ms.items()
                    if request.startswith(prefix)), default=0.0) / 1000


class CloudStore:
    """The cloud's state, shared by the server's threads."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.media = data / "media"
        self.received = data / "received"
        self.media.mkdir(parents=True, exist_ok=True)
        self.received.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.faults = Faults()
        self.media_requests: list[tuple[str, str]] = []  # (file, Range header) for tests
        self._pop_ids = {record.get("recordId") for record in self._read("pop.jsonl")}

    def _read(self, name: str) -> list[dict[str, Any]]:
        path = self.received / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def _append(self, path: Path, items: list[Any]) -> None:
        with open(path, "a") as f:
            f.writelines(json.dumps(item) + "\n" for item in items)

    def add_update(self, kind: str, body: Any) -> int:
        with self._lock:
            path = self.data / "updates.jsonl"
            count = len(path.read_text().splitlines()) if path.exists() else 0
            self._append(path, [{"kind": kind, "body": body}])
            return count + 1

    def updates_after(self, cursor: int) -> tuple[list[dict[str, Any]], int]:
        path = self.data / "updates.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        found = [{"id": number, **json.loads(line)}
                 for number, line in enumerate(lines, start=1) if number > cursor]
        return found, max(cursor, len(lines))

    def add_notification(self, notification: dict[str, Any]) -> None:
        with self._lock:
            self._append(self.received / "notifications.jsonl", [notification])

    def add_pop(self, records: list[dict[str, Any]]) -> tuple[int, int]:
        with self._lock:
            new = [r for r in records if r.get("recordId") not in self._pop_ids]
            unique = list({r.get("recordId"): r for r in new}.values())
            self._pop_ids.update(r.get("recordId") for r in unique)
            self._append(self.received / "pop.jsonl", unique)
            return len(unique), len(records) - len(unique)

    def received_all(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {"notifications": self._read("notifications.jsonl"),
                    "pop": self._read("pop.jsonl")}


class _Handler(BaseHTTPRequestHandler):
    server: CloudServer
    protocol_version = "HTTP/1.1"

    # -- plumbing ---------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        log.debug("cloud_request %s", format % args)

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")  # so the client does not reuse it
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        # The request's body may be unread: this connection cannot carry another one.
        self.close_connection = True
        self._send_json(status, {"error": message})

    def _body_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        return json.loads(self.rfile.read(length) or b"null")

    def _gate(self, method: str) -> str | None:
        """The request line for fault matching, or None when it was answered already
        (refused, or failed on purpose)."""
        path = urlsplit(self.path).path
        request = f"{method} {path}"
        if path.startswith("/_control"):
            return request
        token = self.server.token
        if token and self.headers.get("Authorization") != f"Bearer {token}":
            self._error(HTTPStatus.UNAUTHORIZED, "missing or wrong token")
            return None
        faults = self.server.store.faults
        if (delay := faults.delay_for(request)) > 0:
            time.sleep(delay)
        if faults.take_failure(request):
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "failing on purpose")
            return None
        return request

    # -- methods ----------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self._gate("GET") is None:
            return
        parts = urlsplit(self.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        store = self.server.store
        if len(segments) == 3 and segments[0] == "sites" and segments[2] == "updates":
            raw = parse_qs(parts.query).get("cursor", ["0"])[0] or "0"
            if not raw.isdigit():
                self._error(HTTPStatus.BAD_REQUEST, "cursor must be a number")
                return
            updates, cursor = store.updates_after(int(raw))
            self._send_json(HTTPStatus.OK, {"updates": updates, "cursor": str(cursor)})
        elif len(segments) == 2 and segments[0] == "media":
            self._send_media(segments[1])
        elif segments == ["_control", "received"]:
            self._send_json(HTTPStatus.OK, store.received_all())
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such resource")

    def do_POST(self) -> None:  # noqa: N802
        if (request := self._gate("POST")) is None:
            return
        store = self.server.store
        try:
            payload = self._body_json()
        except (ValueError, UnicodeDecodeError):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            return
        path = request.split(" ", 1)[1]
        if path == "/notifications" and isinstance(payload, dict):
            store.add_notification(payload)
            self._send_json(HTTPStatus.OK, {"ok": True})
        elif path == "/pop" and isinstance(payload, list) and all(
                isinstance(r, dict) and isinstance(r.get("recordId"), str) for r in payload):
            accepted, duplicates = store.add_pop(payload)
            self._send_json(HTTPStatus.OK, {"accepted": accepted, "duplicates": duplicates})
        elif path == "/_control/updates" and isinstance(payload, dict) and \
                payload.get("kind") in KINDS:
            self._send_json(HTTPStatus.OK, {"id": store.add_update(payload["kind"],
                                                                   payload.get("body"))})
        elif path == "/_control/faults" and isinstance(payload, dict):
            store.faults = Faults(fail=dict(payload.get("fail", {})),
                                  delay_ms=dict(payload.get("delay_ms", {})),
                                  cut_after=dict(payload.get("cut_after", {})),
                                  wrong_bytes=set(payload.get("wrong_bytes", [])),
                                  bad_copy=dict(payload.get("bad_copy", {})),
                                  throttle_kbps=dict(payload.get("throttle_kbps", {})))
            self._send_json(HTTPStatus.OK, {"ok": True})
        else:
            self._error(HTTPStatus.BAD_REQUEST, f"cannot take this body at {path}")

    def do_PUT(self) -> None:  # noqa: N802
        if (request := self._gate("PUT")) is None:
            return
        segments = [unquote(s) for s in request.split(" ", 1)[1].strip("/").split("/")]
        if len(segments) != 3 or segments[:2] != ["_control", "media"]:
            self._error(HTTPStatus.NOT_FOUND, "no such resource")
            return
        name = segments[2]
        if (reason := unsafe_reason(name)) is not None:
            self._error(HTTPStatus.BAD_REQUEST, f"file name {reason}")
            return
        length = int(self.headers.get("Content-Length") or 0)
        target = self.server.store.media / name
        temporary = target.with_name(f".{name}.upload")
        with open(temporary, "wb") as f:
            left = length
            while left > 0:
                chunk = self.rfile.read(min(CHUNK, left))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        temporary.replace(target)
        self._send_json(HTTPStatus.OK, {"ok": True, "bytes": length})

    # -- media ------------------------------------------------------------------------
    def _send_media(self, name: str) -> None:
        self.server.store.media_requests.append((name, self.headers.get("Range", "")))
        if unsafe_reason(name) is not None:
            self._error(HTTPStatus.BAD_REQUEST, "not a plain file name")
            return
        path = self.server.store.media / name
        try:
            data = path.read_bytes()
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, "no such media")
            return
        faults = self.server.store.faults
        digest = hashlib.sha256(data).hexdigest()
        if name in faults.wrong_bytes and data:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        if faults.bad_copy.get(name, 0) > 0 and data:
            faults.bad_copy[name] -= 1
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
            digest = hashlib.sha256(data).hexdigest()
        start, end = 0, len(data)
        status = HTTPStatus.OK
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            try:
                start = int(first)
                end = min(int(last) + 1, len(data)) if last else len(data)
            except ValueError:
                start = -1
            if not 0 <= start < len(data) or end <= start:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = HTTPStatus.PARTIAL_CONTENT
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("sha256", digest)
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        body = data[start:end]
        cut = faults.cut_after.get(name)
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        rate = faults.throttle_kbps.get(name)
        piece = CHUNK if not rate else THROTTLED_PIECE
        for offset in range(0, len(body), piece):
            self.wfile.write(body[offset:offset + piece])
            if rate:
                self.wfile.flush()
                time.sleep(piece / (rate * 1024))


class CloudServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: CloudStore,
                 token: str | None = None) -> None:
        self._open: set[socket.socket] = set()  # connections being served
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)
        self.store = store
        self.token = token

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}"

    def serve_in_background(self) -> CloudServer:
        """Serve from a daemon thread (the command, tests, benches); `close` ends it."""
        threading.Thread(target=self.serve_forever, name="cloud", daemon=True).start()
        return self

    def close(self) -> None:
        """Stop listening and cut the kept-alive connections too: a cloud that is gone
        answers nobody, not even a client that connected before (tests and benches
        that take the cloud away rely on it)."""
        self.shutdown()
        self.server_close()
        with self._open_lock:
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-answer (killed, timed out) is normal here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.info("cloud_client_gone client=%s", client_address[0])
            return
        super().handle_error(request, client_address)
