"""Answers from a model served over HTTP by an OpenAI-compatible server (vLLM, TGI, llama.cpp's server, Ollama),
streamed with the figures a local model gets: time to first token, tokens per second, new tokens.

Standard library only (http.client). The request is POST {base}/v1/chat/completions with "stream": true; the
answer comes as Server-Sent Events, one `data: {json}` line per chunk and `data: [DONE]` at the end (OpenAI's
streaming format, which all four servers follow). The API key is read, at request time, from an environment
variable whose *name* the user gives, so the key is never shown, stored in a session or URL, or logged; a server
message that echoes it is redacted before it is shown.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from core.answers import Answer
from core.errors import ErrorKind, UserError
from core.generation import GenerationSettings, GenerationStats, Message
from core.validation import check_float

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
CHAT_PATH = "/v1/chat/completions"
MESSAGE_CHARS = 300  # a server's error message is shortened to this many characters
MAX_LINE_BYTES = 1_000_000  # one SSE line; a longer one is not a chunk of an answer
MAX_ERROR_BYTES = 64_000  # what is read of an error response's body
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Only variables named like API keys may be sent: whoever uses the page picks the URL, so any other variable of
# the server (a cloud secret, a database password) could otherwise be sent to a server of their choosing.
KEY_ENV_NAME = re.compile(r"[A-Za-z0-9_]*(API_KEY|API_TOKEN)", re.IGNORECASE)


@dataclass(frozen=True)
class EndpointConfig:
    """Where a served model answers: the server's base URL (with or without a trailing /v1), the model's name
    on that server, and the NAME of the environment variable that holds the API key ("" sends no key; local
    servers usually need none). Time-outs in seconds: to connect, and for the first or the next chunk."""

    base_url: str
    model: str
    api_key_env: str = DEFAULT_KEY_ENV
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 120.0  # generous: the first chunk waits for the whole prompt to be processed

    def __post_init__(self) -> None:
        url = self.base_url.strip().rstrip("/")
        parts = urlsplit(url)
        if not url:
            raise _error("Type the server's base URL, e.g. http://localhost:8000.")
        if parts.scheme not in ("http", "https"):
            raise _error(f"The base URL must start with http:// or https://, e.g. http://localhost:8000; got {url!r}.")
        if not parts.hostname:
            raise _error(f"The base URL needs a host, e.g. http://localhost:8000; got {url!r}.")
        if parts.username is not None or parts.password is not None:
            raise _error(
                "Leave credentials out of the base URL: put the API key in an environment variable and give its name."
            )
        if parts.query or parts.fragment:
            raise _error(f"The base URL takes no ?query or #fragment; got {url!r}.")
        try:
            parts.port  # noqa: B018 -- parsing the port is what checks it
        except ValueError:
            raise _error(f"The port in the base URL is not a number from 0 to 65535; got {url!r}.") from None
        path = parts.path.removesuffix("/v1")  # clients are often told ".../v1"; the paths below add it
        object.__setattr__(self, "base_url", urlunsplit((parts.scheme, parts.netloc, path, "", "")))
        object.__setattr__(self, "model", self.model.strip())
        if not self.model:
            raise _error("Type the model's name as the server knows it (e.g. what GET /v1/models lists).")
        object.__setattr__(self, "api_key_env", self.api_key_env.strip())
        if self.api_key_env and not ENV_NAME.fullmatch(self.api_key_env):
            raise _error(
                "The API key variable is the NAME of an environment variable (letters, digits and _, e.g. "
                f"{DEFAULT_KEY_ENV}), never the key itself; got something else."
            )
        if self.api_key_env and not KEY_ENV_NAME.fullmatch(self.api_key_env):
            raise _error(
                f"Only variables whose name ends in API_KEY or API_TOKEN are sent as a key (e.g. {DEFAULT_KEY_ENV}), "
                f"so that no other secret of this server leaves it; {self.api_key_env} is not one."
            )
        check_float("connect time-out (s)", self.connect_timeout_s, 0.0, 600.0, low_open=True)
        check_float("read time-out (s)", self.read_timeout_s, 0.0, 3600.0, low_open=True)

    @property
    def host(self) -> str:
        """host:port as typed, e.g. 'localhost:8000'."""
        return urlsplit(self.base_url).netloc

    @property
    def label(self) -> str:
        return f"{self.model} @ {self.host}"

    def api_key(self) -> str | None:
        """The key from the environment, read only when a request is sent; None when the variable is unset."""
        return (os.environ.get(self.api_key_env) or None) if self.api_key_env else None


def request_body(config: EndpointConfig, prompt: str | list[Message], settings: GenerationSettings) -> dict:
    """The JSON of a streaming chat completion for `prompt` with the product's settings.

    Temperature 0 is greedy on all four servers; top-p is sent only when sampling. Top-k, repetition penalty and
    the chat-template switch have no place in OpenAI's API and are not sent: the server applies its own template.
    `stream_options.include_usage` asks for a last chunk with the server's token counts.
    """
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    body: dict = {
        "model": config.model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,
        "seed": settings.seed,
    }
    if not settings.greedy:
        body["top_p"] = settings.top_p
    if settings.stop:
        body["stop"] = list(settings.stop)
    return body


@dataclass
class EndpointStream:
    """A served answer: iterate for the text pieces as they arrive; `text` and `stats` fill up meanwhile, and
    `counted_by` says where `stats.new_tokens` came from: "server" (its usage report) or "chunks" (one per
    streamed piece of text, about one token each, when the server sends no usage)."""

    config: EndpointConfig
    body: dict
    text: str = ""
    stats: GenerationStats = field(default_factory=GenerationStats)
    counted_by: str = "chunks"

    def __iter__(self) -> Iterator[str]:
        started = time.perf_counter()
        chunks, usage, finished, answered = 0, None, False, False
        connection = self._connection()
        try:
            response = self._send(connection)
            for event in self._events(response):
                if event is None:  # [DONE]
                    finished = True
                    break
                if isinstance(event.get("usage"), dict) and isinstance(event["usage"].get("completion_tokens"), int):
                    usage = event["usage"]["completion_tokens"]
                for choice in _choices(event):
                    answered = True
                    finished = finished or choice.get("finish_reason") is not None
                    piece = choice["delta"].get("content")
                    if not isinstance(piece, str) or not piece:
                        continue
                    if self.stats.ttft_s is None:
                        self.stats.ttft_s = time.perf_counter() - started
                    chunks += 1
                    self.text += piece
                    self.stats.new_tokens = chunks
                    self.stats.total_s = time.perf_counter() - started
                    yield piece
        finally:  # also when the reader stops early (a page rerun): free the server from a half-read answer
            connection.close()
        if not finished:  # the end of the body without [DONE] or a finish reason: cut off
            raise _error(
                f"The server closed the connection in the middle of the answer (after {len(self.text):,} "
                "characters). Look at the server's log; it may have run out of memory."
            )
        if not answered:
            raise _error(f"The server's stream ended without any answer from {self.config.model!r}.")
        self.stats.total_s = time.perf_counter() - started
        if usage is not None:
            self.stats.new_tokens, self.counted_by = usage, "server"

    def answer(self) -> Answer:
        """The finished answer as plain data. Memory, load time and parameters are the server's business and
        unknown here (None), as are its dtype and quantization."""
        return Answer(
            model=self.config.label,
            precision="served",
            text=self.text,
            new_tokens=self.stats.new_tokens,
            ttft_s=self.stats.ttft_s,
            tokens_per_s=self.stats.tokens_per_s,
            total_s=self.stats.total_s,
            device=self.config.base_url,
            dtype="unknown",
            quantization="unknown",
            memory_mb=None,
            load_s=None,
            n_params=None,
            counted_by=self.counted_by,
        )

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.config.base_url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        return cls(parts.hostname, parts.port, timeout=self.config.connect_timeout_s)

    def _send(self, connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
        """Connect (within the connect time-out), post the request and wait for the status line (within the read
        time-out); an error status becomes a UserError with the server's own message."""
        c = self.config
        timeout_text = f"No connection to {c.base_url} within {c.connect_timeout_s:g} s: is the host reachable?"
        with _network_errors(c, timeout_text, "connecting"):
            connection.connect()
        connection.sock.settimeout(c.read_timeout_s)  # from now on: the longest wait for any bytes
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if key := c.api_key():
            headers["Authorization"] = f"Bearer {key}"
        path = urlsplit(c.base_url).path + CHAT_PATH
        with _network_errors(c, _read_timeout_text(c, "before answering"), "waiting for the answer"):
            connection.request("POST", path, body=json.dumps(self.body).encode(), headers=headers)
            response = connection.getresponse()
            if response.status >= 300:
                raise _http_error(c, response.status, response.reason, response.read(MAX_ERROR_BYTES))
        return response

    def _events(self, response: http.client.HTTPResponse) -> Iterator[dict | None]:
        """The JSON objects of the `data:` lines, then None for `data: [DONE]`. Comments (`: keep-alive`), blank
        lines and other SSE fields are skipped; each data line is taken as one event, as these servers send."""
        c = self.config
        while True:
            when = "in the middle of the answer" if self.text else "before the first token"
            with _network_errors(c, _read_timeout_text(c, when), when):
                raw = response.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES:
                raise _error(f"The server sent a line of over {MAX_LINE_BYTES:,} bytes; that is no chunk of an answer.")
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            name, _, value = line.partition(":")
            if not line or line.startswith(":") or name in ("event", "id", "retry"):
                continue
            if name == "error":  # llama.cpp's server sends `error: {json}` when it fails mid-stream
                raise _error(f"The server stopped with an error: {_shorten(_message_of(value.encode()), c)}")
            if name != "data":
                raise _error(
                    f"The server's answer is not a stream of Server-Sent Events (`data: …` lines); is {c.base_url} "
                    f"an OpenAI-compatible server? It began: {_shorten(line, c, 80)!r}"
                )
            data = value.removeprefix(" ")
            if data == "[DONE]":
                yield None
                return
            try:
                event = json.loads(data)
            except json.JSONDecodeError:
                raise _error(f"The server sent a chunk that is not JSON: {_shorten(data, c, 80)!r}") from None
            if not isinstance(event, dict):
                raise _error(f"The server sent a chunk that is not a JSON object: {_shorten(data, c, 80)!r}")
            if "error" in event:  # vLLM and llama.cpp report failures after the 200 status this way
                raise _error(f"The server stopped with an error: {_shorten(_message_of(event), c)}")
            yield event


def stream_chat(config: EndpointConfig, prompt: str | list[Message], settings: GenerationSettings) -> EndpointStream:
    """Prepare a served answer to `prompt` (a string is one user turn); iterate the result to stream it, then
    call `.answer()`. Nothing is sent until the iteration starts."""
    text = prompt if isinstance(prompt, str) else "".join(m["content"] for m in prompt)
    if not text.strip():
        raise UserError("The prompt is empty; type something for the model to answer.", ErrorKind.PROMPT)
    return EndpointStream(config, request_body(config, prompt, settings))


# -- errors -------------------------------------------------------------------------------------------------------
def _error(message: str) -> UserError:
    return UserError(message, ErrorKind.MODEL)


def _read_timeout_text(c: EndpointConfig, when: str) -> str:
    return (
        f"The server at {c.base_url} sent nothing for {c.read_timeout_s:g} s {when}; it may be busy or still "
        "loading the model. Try again, or ask for fewer new tokens."
    )


@contextmanager
def _network_errors(c: EndpointConfig, timeout_text: str, phase: str) -> Iterator[None]:
    """Socket and protocol failures as UserErrors that say what to check; `timeout_text` is the time-out's."""
    try:
        yield
    except TimeoutError:
        raise _error(timeout_text) from None
    except ConnectionRefusedError:
        raise _error(
            f"Nothing answers at {c.base_url}: the connection was refused. Is the server running, on this host and "
            "port?"
        ) from None
    except socket.gaierror:
        raise _error(
            f"The host {urlsplit(c.base_url).hostname!r} could not be found (DNS). Check the base URL's spelling."
        ) from None
    except ssl.SSLError as err:
        raise _error(f"The secure (https) connection to {c.base_url} failed: {err.reason or err}.") from None
    except (ConnectionError, http.client.IncompleteRead, http.client.RemoteDisconnected):
        raise _error(f"The server at {c.base_url} closed the connection {phase}. Look at the server's log.") from None
    except http.client.HTTPException as err:
        raise _error(f"{c.base_url} did not answer in HTTP ({type(err).__name__}); is it the right port?") from None
    except OSError as err:
        raise _error(f"Could not reach {c.base_url} ({phase}): {err.strerror or err}.") from None


def _http_error(c: EndpointConfig, status: int, reason: str, body: bytes) -> UserError:
    said = _shorten(_message_of(body), c)
    said = f" The server said: {said}" if said else ""
    if status in (401, 403) and not c.api_key_env:
        return _error(
            f"The server wants an API key (HTTP {status}): name the environment variable that holds it.{said}"
        )
    if status in (401, 403):
        state = "holds the key that was sent" if c.api_key() else "is not set"
        return _error(
            f"The server refused the API key (HTTP {status}): check the environment variable {c.api_key_env}, "
            f"which {state} on the machine running the dashboard.{said}"
        )
    if status == 404:
        return _error(
            f"Not found (HTTP 404): check the base URL {c.base_url} (the server's address, with or without /v1) and "
            f"the model name {c.model!r}.{said}"
        )
    return _error(f"The server answered HTTP {status} {reason}.{said or ' It gave no reason.'}")


def _message_of(body: bytes | dict) -> str:
    """The human part of an error body: OpenAI's {"error": {"message"}}, {"error": "..."}, {"message"} or
    {"detail"} (FastAPI), else the text itself."""
    if isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            return text
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            error = error.get("message") or error.get("detail") or json.dumps(error)
        return str(error)
    return json.dumps(body)


def _shorten(text: str, c: EndpointConfig, limit: int = MESSAGE_CHARS) -> str:
    """One line of at most `limit` characters, with the API key (should the server echo it) blanked out."""
    if key := c.api_key():
        text = text.replace(key, "[API key]")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choices(event: dict) -> list[dict]:
    """The event's choice 0 as a list (empty in the usage chunk), each with a `delta` dict; anything else in
    their place is a malformed chunk."""
    choices = event.get("choices", [])
    if not isinstance(choices, list) or not all(
        isinstance(ch, dict) and isinstance(ch.get("delta", {}), dict) for ch in choices
    ):
        raise _error("The server sent a chunk whose `choices` are not a list of objects with a `delta`.")
    return [{**ch, "delta": ch.get("delta") or {}} for ch in choices if ch.get("index", 0) == 0]
