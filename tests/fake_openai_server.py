"""A real HTTP server on 127.0.0.1 speaking the chat-completions protocol, with scripted answers and injected faults.

Tests start it on an ephemeral port and stop it themselves:

    with FakeOpenAIServer(responder=lambda body: "```bf\\n,[.,]\\n```") as server:
        server.faults.extend([Fault("status", code=500), Fault("status", code=429, retry_after="1")])
        ... base_url=server.base_url ...

Each completion request first consumes the next queued fault, if any;
otherwise the responder's text is returned as a normal completion. A fault
set as `server.always` answers every request, `GET /v1/models` included,
and is never consumed (a server that rejects the key, has no such route, or
hangs: a `slow` fault delays GET too).
`GET /v1/models` lists `server.models`; with `models_route=False` it is a 404,
as on servers that do not implement it. Fault kinds: `status`
(an HTTP error code, optionally with Retry-After), `slow` (sleep `delay`
seconds, then answer normally), `malformed` (200 with a body that is not
JSON), `empty_choices` (200 with `"choices": []`), `text` (answer this text,
e.g. one without a code block). Run as a script (`python
tests/fake_openai_server.py --port 0`) it serves a fixed answer and prints
its base URL; scripts/bench_harness_speed.py uses it that way.
"""

from __future__ import annotations

import argparse
import collections
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    kind: str
    code: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    text: str = ""


class FakeOpenAIServer:
    """Chat-completions server with a fault queue; `requests` records every request body received."""

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        always: Fault | None = None,
        models: tuple[str, ...] = (),
        models_route: bool = True,
    ):
        self.responder = responder or (lambda body: "```\n\n```")
        self.faults: collections.deque[Fault] = collections.deque()
        self.always = always
        self.models = models
        self.models_route = models_route
        self.requests: list[dict[str, Any]] = []
        """Bodies of the completion requests (POST), in order of arrival."""
        self.gets: list[str] = []
        """Paths of the GET requests (the endpoint check), in order of arrival."""
        self.times: list[float] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.gets.append(self.path)
                if server.always is not None and server.always.kind == "status":
                    return self._status(server.always)
                if server.always is not None and server.always.kind == "slow":
                    time.sleep(server.always.delay)
                if not (server.models_route and self.path.rstrip("/").endswith("/models")):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                return self._send(
                    200, {"object": "list", "data": [{"id": name, "object": "model"} for name in server.models]}
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = {}
                with server._lock:
                    server.requests.append(body)
                    server.times.append(time.monotonic())
                    fault = server.always or (server.faults.popleft() if server.faults else None)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                if fault is None:
                    return self._answer(body, server.responder(body))
                if fault.kind == "status":
                    return self._status(fault)
                if fault.kind == "slow":
                    time.sleep(fault.delay)
                    return self._answer(body, server.responder(body))
                if fault.kind == "malformed":
                    return self._send_raw(200, b'{"id": "x", "choices": [{"message": ', "application/json")
                if fault.kind == "empty_choices":
                    return self._send(
                        200, {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}
                    )
                if fault.kind == "text":
                    return self._answer(body, fault.text)
                raise ValueError(f"unknown fault kind {fault.kind!r}")

            def _status(self, fault: Fault) -> None:
                headers = {"retry-after": fault.retry_after} if fault.retry_after is not None else {}
                self._send(fault.code, {"error": {"message": f"injected {fault.code}"}}, headers)

            def _answer(self, body: dict[str, Any], text: str) -> None:
                prompt_chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
                self._send(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                        ],
                        "usage": {
                            "prompt_tokens": prompt_chars // 4,
                            "completion_tokens": len(text) // 4,
                            "total_tokens": prompt_chars // 4 + len(text) // 4,
                        },
                    },
                )

            def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send_raw(code, json.dumps(payload).encode(), "application/json", headers)

            def _send_raw(
                self, code: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
            ) -> None:
                try:
                    self.send_response(code)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (e.g. its timeout), as real clients do

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self._httpd = Server((host, port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--answer", default="```\n,[.,]\n```", help="text of every completion")
    args = parser.parse_args()
    server = FakeOpenAIServer(responder=lambda body: args.answer, port=args.port)
    print(server.base_url, flush=True)
    server._httpd.serve_forever()


if __name__ == "__main__":
    main()
