"""The studio's HTTP server: the standard library's ThreadingHTTPServer on 127.0.0.1.

Routes (JSON in and out; writes need the per-launch token in the ``X-Z2H-Token`` header):

    GET  /api/sources                               the folders and collections served
    GET  /api/sources/<source>/tasks                task ids, sizes, generators, concepts
    GET  /api/sources/<source>/tasks/<id>           one task as ARC JSON
    PUT  /api/sources/<source>/tasks/<id>           save {"task", "labels"?, "create"?}  (token)
    GET  /api/sources/<source>/labels/<id>          its labels (or null) and whether stale
    GET  /api/sources/<source>/predictions/<id>     a model's attempts and exact / not exact
    GET  /api/sources/<source>/verdicts             per task: exact / wrong / missing (gallery)
    GET  /api/sources/<source>/thumbs?ids=a,b       first pair of each task (gallery)
    PUT  /api/sources/<source>/labels/<id>          a person's labels {"labels", "task"?}  (token)
    GET  /api/actions                               the action vocabulary (labels.ACTIONS)
    POST /api/labels/check                          each row's replay verdict {"task", "labels"}
    GET  /api/generators                            names, concepts, descriptions
    POST /api/generate                              {"generator", "difficulty", "seed"}  (token)
    /api/sketch-runtime, /api/sketches/...          sketch mode (z2h.arc.studio.sketchdesk)
    GET  /, /task/..., /new                         the page; /static/... its files

Why the standard library: the studio serves one person on their own machine, a dozen routes and
no streaming, so a threading server adds no dependency and starts in milliseconds; the safety
checks (token, Host, paths, body size) are a few explicit lines below rather than middleware.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import secrets
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from z2h.arc.studio.api import Studio
from z2h.arc.studio.sources import Forbidden, NotFound, StudioError
from z2h.errors import Z2HError

MAX_BODY = 4 * 2**20  # bytes; a 30x30 task with labels for 10 pairs is well under 1 MiB
TOKEN_HEADER = "X-Z2H-Token"
PAGE_PREFIXES = ("/task/", "/new")


class TooLarge(StudioError):
    status = 413


class Unauthorized(StudioError):
    status = 401


class Disconnected(Exception):
    """The browser closed the connection before the answer was written."""


def load_static() -> dict[str, tuple[bytes, str]]:
    """Every file under static/ as url path -> (bytes, content type), read once at launch.

    Serving only these names means no request path ever reaches the file system."""
    files: dict[str, tuple[bytes, str]] = {}

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            name = f"{prefix}/{child.name}"
            if child.is_dir():
                walk(child, name)
            elif not child.name.startswith("."):
                kind = mimetypes.guess_type(child.name)[0] or "application/octet-stream"
                if child.name.endswith((".js", ".mjs")):
                    kind = "text/javascript"  # ES modules need a JavaScript type
                if kind.startswith("text/"):
                    kind += "; charset=utf-8"
                files[name] = (child.read_bytes(), kind)

    walk(resources.files("z2h.arc.studio") / "static", "/static")
    return files


class StudioServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, studio: Studio, host: str = "127.0.0.1", port: int = 8765):
        self.studio = studio
        self.token = secrets.token_urlsafe(24)
        self.static = load_static()
        super().__init__((host, port), StudioHandler)
        self.port = self.server_address[1]
        self.allowed_hosts = {f"{h}:{self.port}" for h in ("127.0.0.1", "localhost", host)}

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a whole traceback here; the terminal gets one line per problem
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):  # a tab closed or reloaded mid-request
            print(f"z2h arc studio: a browser connection ended early ({error!r})", file=sys.stderr)
        else:
            print(
                f"z2h arc studio: request from {client_address[0]} failed: {error!r}",
                file=sys.stderr,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests and benchmarks); ``shutdown()`` stops it."""
        # a short poll interval makes shutdown() quick (it waits for the next poll)
        thread = threading.Thread(
            target=self.serve_forever, args=(0.05,), name="studio-http", daemon=True
        )
        thread.start()
        return thread


class StudioHandler(BaseHTTPRequestHandler):
    server: StudioServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows the URL and errors, not every request

    # ---- dispatch -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        try:
            self._check_host()
            parts = urlsplit(self.path)
            path = parts.path
            if path.startswith("/api/"):
                self._send_json(HTTPStatus.OK, self._api(method, path, parts.query))
            elif method == "GET":
                self._send_page(path)
            else:
                raise NotFound(f"no {method} {path}")
        except Disconnected:
            # the tab closed (or reloaded) before the answer went out: one line, no traceback
            self.close_connection = True
            print(
                f"z2h arc studio: a browser connection ended early (before the answer to "
                f"{method} {self.path} was sent)",
                file=sys.stderr,
            )
            return
        except StudioError as e:
            self._send_json(e.status, {"error": str(e)})
        except Z2HError as e:  # an invalid task, labels or generator name from z2h.arc
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(e)})
        except Exception as e:  # a bug: say so on the page and in the terminal
            print(f"z2h arc studio: internal error on {method} {self.path}: {e!r}", file=sys.stderr)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {e!r}"})

    def _api(self, method: str, path: str, query: str = "") -> Any:
        studio = self.server.studio
        parts = [unquote(p) for p in path.split("/")[2:]]
        routes: dict[tuple[str, ...], Callable[..., Any]] = {
            ("GET", "sources"): studio.list_sources,
            ("GET", "generators"): studio.list_generators,
            ("GET", "sources", "tasks"): studio.list_tasks,
            ("GET", "sources", "tasks", "id"): studio.get_task,
            ("GET", "sources", "labels", "id"): studio.get_labels,
            ("GET", "sources", "predictions", "id"): studio.get_predictions,
            ("GET", "sources", "verdicts"): studio.get_verdicts,
            ("GET", "actions"): studio.list_actions,
        }
        # /api/sources/<source>/<what>/<id>: the shape without the names, then the names
        if parts[:1] == ["sources"] and len(parts) in (3, 4):
            key = (method, "sources", parts[2], *(["id"] if len(parts) == 4 else []))
            args = [parts[1], *parts[3:]]
        else:
            key, args = (method, *parts), []
        if key == ("PUT", "sources", "tasks", "id"):
            self._check_token()
            return studio.save_task(args[0], args[1], self._read_json())
        if key == ("PUT", "sources", "labels", "id"):
            self._check_token()
            return studio.save_labels(args[0], args[1], self._read_json())
        if key == ("POST", "labels", "check"):
            # writes nothing, so no token: a read-only page can check labels too
            return studio.check_labels(self._read_json())
        if key == ("GET", "sources", "thumbs"):
            ids = ",".join(parse_qs(query).get("ids", [])).split(",")
            return studio.get_thumbs(args[0], [i for i in ids if i])
        if key == ("POST", "generate"):
            self._check_token()
            return studio.generate(self._read_json())
        from z2h.arc.studio.sketchdesk import route  # sketch mode (docs/arc-sketches.md)

        if (answer := route(self, method, parts)) is not None:
            return answer
        if key not in routes:
            raise NotFound(f"no API route {method} {path}")
        return routes[key](*args)

    # ---- safety -------------------------------------------------------------------------------

    def _check_host(self) -> None:
        # a page on another site that rebinds its DNS name to 127.0.0.1 still sends its own
        # Host header: answering only our own names closes that door (as Jupyter does)
        if self.headers.get("Host", "") not in self.server.allowed_hosts:
            raise Forbidden("unexpected Host header; open the studio at the URL it printed")

    def _check_token(self) -> None:
        given = self.headers.get(TOKEN_HEADER)
        if not given:
            raise Unauthorized(f"writes need the launch token (header {TOKEN_HEADER})")
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            raise Forbidden("wrong token: open the URL the studio printed at launch")

    def _read_json(self) -> Any:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise StudioError("a request body with a Content-Length is required")
        if int(length) > MAX_BODY:
            self.close_connection = True  # the unread body must not be parsed as a request
            raise TooLarge(f"request body of {int(length)} bytes; the limit is {MAX_BODY}")
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StudioError(f"the body is not JSON ({e})") from None

    # ---- responses ----------------------------------------------------------------------------

    def _send_page(self, path: str) -> None:
        if path == "/" or path.startswith(PAGE_PREFIXES):
            path = "/static/index.html"
        if path not in self.server.static:
            raise NotFound(f"no page {path}")
        body, kind = self.server.static[path]
        self._send(HTTPStatus.OK, body, kind)

    def _send_json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Disconnected(str(e)) from None
