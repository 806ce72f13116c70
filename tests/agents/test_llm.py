"""The chat-completions client against a real loopback server with injected faults, and the oracle/random baselines."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest
from fake_openai_server import FakeOpenAIServer, Fault  # registered by tests/conftest.py

from agents.llm import ChatConfig, OpenAIChatModel, make_model, parse_retry_after
from reasonenv.bench.models import EndpointError, ModelRequest, OracleModel, RandomModel

ANSWER = "```bf\n,[.,]\n```"
MESSAGES = [{"role": "user", "content": "copy stdin to stdout"}]


@pytest.fixture
def server():
    with FakeOpenAIServer(responder=lambda body: ANSWER) as running:
        yield running


def ask(server, faults=(), **overrides):
    server.faults.extend(faults)
    settings = dict(model="m", base_url=server.base_url, timeout_s=0.5, backoff_base_s=0.01, max_retries=6)
    settings.update(overrides)

    async def go():
        model = OpenAIChatModel(ChatConfig(**settings), rng=random.Random(0))
        try:
            return await model.respond(ModelRequest(MESSAGES, None, "bf"))
        finally:
            await model.aclose()

    return asyncio.run(go())


def test_plain_answer_carries_text_usage_and_sends_the_messages(server):
    response = ask(server)
    assert response.text == ANSWER and response.error is None and response.retries == 0
    assert response.completion_tokens == len(ANSWER) // 4
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["model"] == "m"


def test_every_retryable_fault_is_retried_until_an_answer_comes(server):
    faults = [
        Fault("status", code=500),
        Fault("status", code=503),
        Fault("slow", delay=1.0),
        Fault("malformed"),
        Fault("empty_choices"),
    ]
    response = ask(server, faults)
    assert response.text == ANSWER and response.error is None
    assert response.faults == ["HTTP 500", "HTTP 503", "timeout", "malformed JSON", "empty choices"]
    assert response.retries == 5
    assert len(server.requests) == 6  # the client's own retries are off: each try is one request


def test_retry_after_on_429_is_honoured(server):
    response = ask(server, [Fault("status", code=429, retry_after="1")])
    assert response.text == ANSWER and response.faults == ["HTTP 429"]
    gap = server.times[1] - server.times[0]
    assert gap >= 0.95, f"retried after {gap:.2f}s despite Retry-After: 1"


def test_retries_run_out_with_an_error_naming_each_fault(server):
    response = ask(server, [Fault("status", code=500)] * 3, max_retries=2)
    assert response.text == "" and response.retries == 2
    assert response.error == "gave up after 3 tries: HTTP 500, HTTP 500, HTTP 500"


def test_client_errors_are_not_retried(server):
    response = ask(server, [Fault("status", code=400)])
    assert response.error.startswith("HTTP 400") and len(server.requests) == 1


def test_an_answer_without_a_code_block_is_returned_as_is(server):
    response = ask(server, [Fault("text", text="I think you should use a loop.")])
    assert response.text == "I think you should use a loop." and response.error is None


def test_backoff_is_exponential_with_full_jitter_and_capped():
    model = OpenAIChatModel(
        ChatConfig(model="m", base_url="http://127.0.0.1:9/v1", backoff_base_s=0.5, backoff_max_s=4.0),
        rng=random.Random(1),
    )
    for retry in range(6):
        delays = [model.backoff(retry, None) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= min(4.0, 0.5 * 2**retry)
        assert max(delays) > 0.5 * min(4.0, 0.5 * 2**retry)  # spread over the range, not a constant
    assert model.backoff(0, 2.5) == 2.5 and model.backoff(0, 99.0) == 4.0
    asyncio.run(model.aclose())


def test_parse_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("3") == 3.0 and parse_retry_after(None) is None and parse_retry_after("soon") is None
    import email.utils

    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31


def test_concurrency_is_bounded():
    peak = [0]
    active = [0]
    lock = threading.Lock()

    def slow_answer(body):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.1)
        with lock:
            active[0] -= 1
        return ANSWER

    with FakeOpenAIServer(responder=slow_answer) as running:

        async def go():
            model = OpenAIChatModel(ChatConfig(model="m", base_url=running.base_url, concurrency=3))
            try:
                return await asyncio.gather(*(model.respond(ModelRequest(MESSAGES, None, "bf")) for _ in range(12)))
            finally:
                await model.aclose()

        responses = asyncio.run(go())
    assert all(r.text == ANSWER for r in responses)
    assert peak[0] == 3


def test_config_validation_names_the_field():
    with pytest.raises(ValueError, match="ChatConfig.base_url"):
        ChatConfig(model="m", base_url="localhost:8000").validate()
    with pytest.raises(ValueError, match="ChatConfig.concurrency"):
        ChatConfig(model="m", base_url="http://x/v1", concurrency=0).validate()
    with pytest.raises(ValueError, match="needs --base-url"):
        make_model("gpt-x")


def _paper_instance(family: str):
    from curricula.suites import get_suite

    return next(i for i in get_suite("paper").instances() if i.family == family)


def test_oracle_answers_with_a_reference_program_that_the_extraction_rule_recovers():
    from curricula.verify import execute
    from reasonenv.bench.prompts import extract_program

    instance = _paper_instance("paper-bf-copy")
    oracle = OracleModel()
    assert oracle.available(instance, "bf")
    response = asyncio.run(oracle.respond(ModelRequest([], instance, "bf")))
    program = extract_program(response.text, "bf")
    assert program == oracle.reference(instance, "bf")
    assert all(e.output == t.output for e, t in zip(execute(instance, program, "bf"), instance.tests))


def test_random_baseline_is_deterministic_per_request_and_varies_across_attempts():
    instance = _paper_instance("paper-bf-copy")
    model = RandomModel()
    first = asyncio.run(model.respond(ModelRequest([], instance, "bf", attempt=0))).text
    again = asyncio.run(model.respond(ModelRequest([], instance, "bf", attempt=0))).text
    other = asyncio.run(model.respond(ModelRequest([], instance, "bf", attempt=1))).text
    assert first == again and first != other
    assert first.startswith("```bf\n") and set(first[6:-4]) <= set("+-<>[].,")


# ---------------------------------------------------------------- what asking again cannot fix


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check(base_url: str, **overrides):
    async def go():
        model = OpenAIChatModel(ChatConfig(model="m", base_url=base_url, backoff_base_s=0.01, **overrides))
        try:
            await model.check()
        finally:
            await model.aclose()

    return asyncio.run(go())


def test_check_passes_on_a_working_endpoint_with_or_without_a_models_route():
    with FakeOpenAIServer(responder=lambda body: ANSWER, models=("m",)) as running:
        check(running.base_url)
        assert running.gets == ["/v1/models"] and running.requests == []
    with FakeOpenAIServer(responder=lambda body: ANSWER, models_route=False) as running:
        check(running.base_url)
        assert running.requests[0]["max_tokens"] == 1


@pytest.mark.parametrize("code", [401, 403, 404])
def test_check_raises_endpoint_error_on_a_rejecting_endpoint(code):
    with FakeOpenAIServer(always=Fault("status", code=code)) as running:
        with pytest.raises(EndpointError, match=f"HTTP {code}"):
            check(running.base_url)
        assert len(running.gets) == 1


def test_check_raises_on_a_closed_port_at_once_and_retries_persistent_5xx():
    started = time.monotonic()
    with pytest.raises(EndpointError, match="cannot connect to .*is the server running"):
        check(f"http://127.0.0.1:{_closed_port()}/v1")
    assert time.monotonic() - started < 5
    with FakeOpenAIServer(always=Fault("status", code=503)) as running:
        with pytest.raises(EndpointError, match=r"did not answer after 3 tries \(last: HTTP 503\)"):
            check(running.base_url, max_retries=2)
        assert len(running.gets) == 3


def test_refused_connection_and_401_are_fatal_answers_and_stop_further_requests(server):
    response = ask(server, [], base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    assert response.fatal and "cannot connect" in response.error and response.retries == 0
    server.always = Fault("status", code=401)

    async def twice():
        model = OpenAIChatModel(ChatConfig(model="m", base_url=server.base_url, backoff_base_s=0.01))
        try:
            return [await model.respond(ModelRequest(MESSAGES, None, "bf")) for _ in range(2)]
        finally:
            await model.aclose()

    first, second = asyncio.run(twice())
    assert first.fatal and second.fatal and "HTTP 401" in first.error and second.error == first.error
    assert len(server.requests) == 1  # the second request was never sent
    server.always = Fault("status", code=400)
    response = ask(server)
    assert response.error.startswith("HTTP 400") and not response.fatal  # fails that request only


def test_check_of_a_hung_server_times_out_per_try(monkeypatch):
    import agents.llm

    monkeypatch.setattr(agents.llm, "CHECK_TIMEOUT_S", 0.2)
    with FakeOpenAIServer(always=Fault("slow", delay=2.0)) as running:
        started = time.monotonic()
        with pytest.raises(EndpointError, match=r"did not answer after 2 tries \(last: timeout\)"):
            check(running.base_url, max_retries=1)
        assert time.monotonic() - started < 1.5
