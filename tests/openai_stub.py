"""A small OpenAI-compatible server for tests, on 127.0.0.1 at a free port, served from a thread.

POST /v1/chat/completions streams a fixed answer as Server-Sent Events in chunked HTTP/1.1, as vLLM and
llama.cpp's server do. The requested model name picks the behaviour, so one server covers every case and a page
test can choose one per slot:

- "stub": the answer in five chunks, then a usage chunk and `data: [DONE]`
- "no-usage": the same without the usage chunk
- "slow-start" / "slow": wait SLOW_S before the first chunk / after the first chunk
- "malformed": a data line that is not JSON; "not-sse": a plain JSON body
- "error-event" / "error-line": an error after the 200 status, as vLLM / llama.cpp's server send it
- "cut": two chunks, then the connection closes; "eof": the same without chunked encoding (the body just ends)
- "no-choices": only a usage chunk and [DONE]
- "401", "500": that status with an OpenAI-style error body; any other model: 404, as vLLM answers
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECES = ("Hello", " from", " the", " stub", ".")
ANSWER = "".join(PIECES)
COMPLETION_TOKENS = 7  # deliberately not len(PIECES): shows that the server's count wins over the chunks
SLOW_S = 3.0
STREAMS = (
    "stub",
    "no-usage",
    "slow-start",
    "slow",
    "malformed",
    "error-event",
    "error-line",
    "cut",
    "eof",
    "no-choices",
)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict


def chunk(content: str | None = None, finish: str | None = None) -> dict:
    delta = {} if content is None else {"content": content}
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StubServer

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.send_json(404, {"error": {"message": "not here"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(Request(self.path, dict(self.headers), body))
        model = body.get("model", "")
        if self.path != "/v1/chat/completions" or model not in (*STREAMS, "not-sse", "401", "500"):
            self.send_json(404, {"error": {"message": f"The model `{model}` does not exist.", "code": 404}})
        elif model in ("401", "500"):
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self.send_json(int(model), {"error": {"message": f"Incorrect API key provided: {key}. Sorry."}})
        elif model == "not-sse":
            self.send_json(200, {"choices": [{"message": {"content": ANSWER}}]})
        else:
            with contextlib.suppress(OSError):  # the client gave up (a time-out test): nothing to tell it
                self.stream(model)

    def send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, model: str) -> None:
        chunked = model != "eof"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

        def send(text: str) -> None:
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            self.wfile.flush()

        def event(payload: dict) -> None:
            send(f"data: {json.dumps(payload)}\n\n")

        send(": keep-alive comment, which clients skip\n\n")
        if model == "malformed":
            send('data: {"choices": [{"delta": \n\n')
        elif model == "error-event":  # as vLLM fails after the 200 status
            event(chunk(PIECES[0]))
            event({"error": {"message": "CUDA out of memory", "code": 500}})
        elif model == "error-line":  # as llama.cpp's server fails after the 200 status
            send('error: {"code": 500, "message": "context full", "type": "server_error"}\n\n')
        elif model in ("cut", "eof"):
            event(chunk(PIECES[0]))
            event(chunk(PIECES[1]))
            self.close_connection = True
            return  # no [DONE], no final zero-length chunk: the connection just closes
        elif model != "no-choices":
            if model == "slow-start":
                time.sleep(SLOW_S)
            event({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})  # as vLLM
            for i, piece in enumerate(PIECES):
                event(chunk(piece))
                if model == "slow" and i == 0:
                    time.sleep(SLOW_S)
            event(chunk(finish="stop"))
        if model in ("stub", "no-choices"):
            usage = {"prompt_tokens": 12, "completion_tokens": COMPLETION_TOKENS, "total_tokens": 19}
            event({"object": "chat.completion.chunk", "choices": [], "usage": usage})
        send("data: [DONE]\n\n")
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[Request] = []


class OpenAIStub:
    """`with OpenAIStub() as stub:` serves at `stub.url` until the block ends; `stub.requests` lists what came."""

    def __enter__(self) -> OpenAIStub:
        self.server = StubServer()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.requests = self.server.requests
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on (bound, then released): connections are refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"
