"""The OpenAI-compatible endpoint client against a stub server on loopback: the answer, its figures, the request
it sends, and a clear UserError for every way a server or the network can fail."""

from __future__ import annotations

import http.client

import pytest

from core.endpoint import EndpointConfig, request_body, stream_chat
from core.errors import ErrorKind, UserError
from core.generation import GenerationSettings
from tests.openai_stub import ANSWER, COMPLETION_TOKENS, PIECES, OpenAIStub, closed_port_url

KEY = "sk-test-secret-123"


@pytest.fixture(scope="module")
def stub():
    with OpenAIStub() as server:
        yield server


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("STUB_API_KEY", KEY)


def config(url: str, model: str = "stub", **changes) -> EndpointConfig:
    return EndpointConfig(url, model, api_key_env="STUB_API_KEY", **changes)


def served(url: str, model: str, settings: GenerationSettings | None = None, **changes):
    """Stream to the end; the stream and the pieces it yielded."""
    stream = stream_chat(config(url, model, **changes), "Say hello.", settings or GenerationSettings())
    return stream, list(stream)


def failure(url: str, model: str = "stub", **changes) -> str:
    with pytest.raises(UserError) as caught:
        served(url, model, **changes)
    assert caught.value.kind == ErrorKind.MODEL
    assert KEY not in str(caught.value)
    return str(caught.value)


# -- config -------------------------------------------------------------------------------------------------------
def test_config_normalises_the_base_url_and_keeps_only_the_key_variable_name():
    c = EndpointConfig(" http://localhost:8000/v1/ ", " qwen2.5:0.5b ")
    assert (c.base_url, c.model, c.api_key_env) == ("http://localhost:8000", "qwen2.5:0.5b", "OPENAI_API_KEY")
    assert c.host == "localhost:8000" and c.label == "qwen2.5:0.5b @ localhost:8000"
    assert EndpointConfig("https://example.org/api/v1", "m").base_url == "https://example.org/api"


@pytest.mark.parametrize(
    ("base_url", "model", "env", "says"),
    [
        (" ", "m", "K", "Type the server's base URL"),
        ("localhost:8000", "m", "K", "http:// or https://"),
        ("ftp://host", "m", "K", "http:// or https://"),
        ("http://", "m", "K", "needs a host"),
        ("http://user:pw@host", "m", "K", "credentials"),
        ("http://host?x=1", "m", "K", "no ?query"),
        ("http://host:99999", "m", "K", "port"),
        ("http://host", "  ", "K", "model's name"),
        ("http://host", "m", "sk-abc123", "NAME of an environment variable"),
        ("http://host", "m", "AWS_SECRET_ACCESS_KEY", "API_KEY or API_TOKEN"),
    ],
)
def test_config_refuses_what_cannot_work(base_url, model, env, says):
    with pytest.raises(UserError, match=says.replace("?", r"\?")) as caught:
        EndpointConfig(base_url, model, api_key_env=env)
    assert caught.value.kind == ErrorKind.MODEL
    assert "sk-abc123" not in str(caught.value)  # a key typed by mistake is never echoed


# -- request ------------------------------------------------------------------------------------------------------
def test_greedy_settings_become_temperature_0_without_top_p():
    s = GenerationSettings(max_new_tokens=20, temperature=0.0, top_p=0.5, top_k=40, seed=3, stop=("\n\n",))
    body = request_body(config("http://h"), "Hi", s)
    assert body == {
        "model": "stub",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 20,
        "temperature": 0.0,
        "seed": 3,
        "stop": ["\n\n"],
    }  # top-k has no place in OpenAI's API


def test_sampling_settings_and_a_conversation_map_to_the_request():
    history = [{"role": "user", "content": "Hi", "answer": "not sent"}, {"role": "assistant", "content": "Hello"}]
    body = request_body(config("http://h"), history, GenerationSettings(temperature=0.7, top_p=0.9))
    assert body["temperature"] == 0.7 and body["top_p"] == 0.9 and "stop" not in body
    assert body["messages"] == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]


def test_an_empty_prompt_is_refused_before_anything_is_sent():
    with pytest.raises(UserError, match="prompt is empty") as caught:
        stream_chat(config("http://h"), "  ", GenerationSettings())
    assert caught.value.kind == ErrorKind.PROMPT


# -- success ------------------------------------------------------------------------------------------------------
def test_streams_the_answer_with_its_figures_and_the_servers_token_count(stub):
    settings = GenerationSettings(max_new_tokens=9, seed=5)
    stream, pieces = served(stub.url + "/v1", "stub", settings)
    assert pieces == list(PIECES) and stream.text == ANSWER
    assert stream.stats.new_tokens == COMPLETION_TOKENS and stream.counted_by == "server"
    assert 0 < stream.stats.ttft_s <= stream.stats.total_s and stream.stats.tokens_per_s > 0
    request = stub.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.body == request_body(config(stub.url), "Say hello.", settings)

    answer = stream.answer()
    assert (answer.text, answer.new_tokens, answer.counted_by) == (ANSWER, COMPLETION_TOKENS, "server")
    assert answer.label == f"stub @ {stub.url.removeprefix('http://')} · served"
    assert answer.memory_mb is None and answer.n_params is None and answer.load_s is None  # unknown, not 0
    assert KEY not in repr(answer) and KEY not in repr(stream)


def test_without_usage_the_chunks_are_counted_and_said_so(stub):
    stream, _ = served(stub.url, "no-usage")
    assert stream.text == ANSWER and stream.stats.new_tokens == len(PIECES) and stream.counted_by == "chunks"


def test_no_key_variable_sends_no_authorization(stub, monkeypatch):
    monkeypatch.delenv("STUB_API_KEY")
    served(stub.url, "stub")
    assert "Authorization" not in stub.requests[-1].headers


def test_stopping_early_closes_the_connection(stub):
    stream = stream_chat(config(stub.url, "stub"), "Say hello.", GenerationSettings())
    pieces = iter(stream)
    assert next(pieces) == PIECES[0]
    pieces.close()
    assert stream.text == PIECES[0]


# -- failures -----------------------------------------------------------------------------------------------------
def test_a_refused_connection():
    assert "connection was refused" in failure(closed_port_url())


def test_an_unknown_host():
    assert "could not be found (DNS)" in failure("http://no-such-host.invalid")


def test_a_connect_time_out(stub, monkeypatch):
    def stall(self):
        raise TimeoutError("timed out")

    monkeypatch.setattr(http.client.HTTPConnection, "connect", stall)
    assert f"No connection to {stub.url} within 0.5 s" in failure(stub.url, connect_timeout_s=0.5)


@pytest.mark.parametrize(("model", "when"), [("slow-start", "before the first token"), ("slow", "in the middle")])
def test_a_server_that_stops_sending_times_out(stub, model, when):
    message = failure(stub.url, model, read_timeout_s=0.3)
    assert "sent nothing for 0.3 s" in message and when in message


def test_401_points_at_the_key_variable_and_hides_the_echoed_key(stub):
    message = failure(stub.url, "401")
    assert "refused the API key (HTTP 401)" in message and "STUB_API_KEY, which holds the key" in message
    assert "Incorrect API key provided: [API key]. Sorry." in message


def test_401_says_when_the_key_variable_is_not_set(stub, monkeypatch):
    monkeypatch.delenv("STUB_API_KEY")
    assert "STUB_API_KEY, which is not set" in failure(stub.url, "401")


def test_404_points_at_the_base_url_and_model(stub):
    message = failure(stub.url, "no-such-model")
    assert "HTTP 404" in message and "'no-such-model'" in message and "does not exist" in message
    assert "HTTP 404" in failure(stub.url + "/api", "stub")  # a wrong path


def test_other_http_errors_carry_the_servers_message_shortened(stub):
    message = failure(stub.url, "500")
    assert message.startswith("The server answered HTTP 500") and "Incorrect API key provided" in message


@pytest.mark.parametrize(
    ("model", "says"),
    [
        ("malformed", "not JSON"),
        ("not-sse", "not a stream of Server-Sent Events"),
        ("error-event", "stopped with an error: CUDA out of memory"),
        ("error-line", "stopped with an error: context full"),
        ("cut", "closed the connection in the middle of the answer"),
        ("eof", "closed the connection in the middle of the answer"),
        ("no-choices", "ended without any answer"),
    ],
)
def test_broken_streams_say_what_went_wrong(stub, model, says):
    assert says in failure(stub.url, model)
