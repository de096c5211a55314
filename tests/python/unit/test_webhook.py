"""Signed webhook delivery against a real local receiver: signatures, retries, dead letters, crashes."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from stockops.queue.webhook import (
    AttemptResult,
    WebhookEndpoint,
    WebhookSender,
    WebhookVerificationError,
    endpoint_from_env,
    sign_headers,
    verify,
)

import webhook_receiver
from webhook_receiver import Receiver, Scripted

RECEIVER_SCRIPT = Path(webhook_receiver.__file__).resolve()
BODY = '{"decision_id": "d-1", "decision_version": 2, "action": "replenish"}'


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


OLD, NEW, OTHER = new_secret(), new_secret(), new_secret()


class Sleeps:
    """An injected `sleep`: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def endpoint(url: str, *secrets: str, **options: float) -> WebhookEndpoint:
    settings = {"backoff_seconds": 0.01, "backoff_max_seconds": 1.0, "timeout_seconds": 5.0}
    return WebhookEndpoint(url=url, secrets=secrets or (NEW,), **(settings | options))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def send(ep: WebhookEndpoint, sleeps: Sleeps, message_id: str = "msg-1", **kw):
    attempts: list[AttemptResult] = []
    with WebhookSender(ep, sleep=sleeps, **kw) as sender:
        outcome = sender.send(message_id, BODY, on_attempt=attempts.append)
    return outcome, attempts


# --- signatures -----------------------------------------------------------------------------


def test_sign_headers_carry_id_timestamp_and_one_signature_per_secret() -> None:
    at = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    headers = sign_headers(endpoint("http://x/", OLD, NEW), "msg-7", BODY, now=at)
    assert headers["webhook-id"] == "msg-7"
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["content-type"] == "application/json"
    entries = headers["webhook-signature"].split(" ")
    assert len(entries) == 2 and all(e.startswith("v1,") for e in entries)
    assert entries[0] != entries[1]
    # the same instant in another zone signs the same
    other_zone = at.astimezone(datetime.now().astimezone().tzinfo)
    assert sign_headers(endpoint("http://x/", OLD, NEW), "msg-7", BODY, now=other_zone) == headers


def test_verify_accepts_a_good_message_and_rejects_tampering_staleness_and_wrong_secret() -> None:
    ep = endpoint("http://x/", NEW)
    headers = sign_headers(ep, "msg-1", BODY)
    assert verify([NEW], headers, BODY.encode())["decision_id"] == "d-1"
    with pytest.raises(WebhookVerificationError):
        verify([NEW], headers, BODY.replace('"d-1"', '"d-2"'))
    with pytest.raises(WebhookVerificationError):
        verify([NEW], headers | {"webhook-id": "msg-2"}, BODY)
    with pytest.raises(WebhookVerificationError):
        verify([OTHER], headers, BODY)
    stale = sign_headers(ep, "msg-1", BODY, now=datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify([NEW], stale, BODY)
    future = sign_headers(ep, "msg-1", BODY, now=datetime.now(UTC) + timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify([NEW], future, BODY)
    with pytest.raises(WebhookVerificationError):
        verify([NEW], {k: v for k, v in headers.items() if k != "webhook-signature"}, BODY)


def test_verify_rotation_both_directions() -> None:
    both = sign_headers(endpoint("http://x/", OLD, NEW), "msg-1", BODY)
    assert verify([NEW], both, BODY) is not None  # receiver already moved to the new secret
    only_old = sign_headers(endpoint("http://x/", OLD), "msg-1", BODY)
    assert verify([OLD, NEW], only_old, BODY) is not None  # receiver still accepts the old one
    with pytest.raises(WebhookVerificationError):
        verify([NEW], only_old, BODY)  # ...until it drops it


def test_verify_skips_malformed_signature_entries() -> None:
    headers = sign_headers(endpoint("http://x/", NEW), "msg-1", BODY)
    good = headers["webhook-signature"]
    messy = headers | {"webhook-signature": f"v1,not*base64 v2,abc junk v1,a,b  {good}"}
    assert verify([NEW], messy, BODY) is not None
    with pytest.raises(WebhookVerificationError):
        verify([NEW], headers | {"webhook-signature": "v1,not*base64 junk"}, BODY)


def test_verify_fails_closed_on_unusable_secrets_and_non_utf8_bodies() -> None:
    headers = sign_headers(endpoint("http://x/", NEW), "msg-1", BODY)
    assert verify(["", "whsec_x", NEW], headers, BODY) is not None  # the usable one still counts
    for unusable in ([], [""], ["whsec_x"]):
        with pytest.raises(WebhookVerificationError):
            verify(unusable, headers, BODY)
    with pytest.raises(WebhookVerificationError, match="UTF-8"):
        verify([NEW], headers, b"\xff\xfe" + BODY.encode())


def test_receiver_over_http_answers_401_to_bad_signatures_and_applies_only_good(
    tmp_path: Path,
) -> None:
    ep = endpoint("http://x/", NEW)
    now = datetime.now(UTC)
    cases = {
        "good": (sign_headers(ep, "good", BODY), BODY),
        "tampered": (sign_headers(ep, "tampered", BODY), BODY.replace("replenish", "cancel")),
        "stale": (sign_headers(ep, "stale", BODY, now=now - timedelta(minutes=6)), BODY),
        "wrong-secret": (sign_headers(endpoint("http://x/", OTHER), "wrong-secret", BODY), BODY),
        "unsigned": ({"webhook-id": "unsigned", "content-type": "application/json"}, BODY),
    }
    with Receiver([NEW], tmp_path / "rx.sqlite") as rx, httpx.Client() as client:
        statuses = {
            name: client.post(rx.url, content=body.encode(), headers=headers).status_code
            for name, (headers, body) in cases.items()
        }
        rows = {row["webhook_id"]: row for row in rx.request_rows()}
        assert statuses == {
            "good": 200,
            "tampered": 401,
            "stale": 401,
            "wrong-secret": 401,
            "unsigned": 401,
        }
        assert {k: (r["verified"], r["status_returned"]) for k, r in rows.items()} == {
            "good": (1, 200),
            "tampered": (0, 401),
            "stale": (0, 401),
            "wrong-secret": (0, 401),
            "unsigned": (0, 401),
        }
        assert rx.effects_count() == 1 and rx.effects_count("good") == 1


def test_rotation_over_http(tmp_path: Path, sleeps: Sleeps) -> None:
    with Receiver([NEW], tmp_path / "new-only.sqlite") as rx:
        outcome, _ = send(endpoint(rx.url, OLD, NEW), sleeps)
        assert (outcome.status, outcome.http_status) == ("delivered", 200)
        assert rx.effects_count("msg-1") == 1
    with Receiver([OLD, NEW], tmp_path / "both.sqlite") as rx:
        outcome, _ = send(endpoint(rx.url, OLD), sleeps)
        assert (outcome.status, outcome.http_status) == ("delivered", 200)
        assert rx.effects_count("msg-1") == 1


def test_wrong_secret_is_a_dead_letter_after_one_attempt(tmp_path: Path, sleeps: Sleeps) -> None:
    with Receiver([NEW], tmp_path / "rx.sqlite") as rx:
        outcome, _ = send(endpoint(rx.url, OTHER), sleeps)
        assert (outcome.status, outcome.attempts, outcome.http_status) == ("dead_letter", 1, 401)
        assert outcome.last_error.startswith("HTTP 401")
        assert rx.request_count() == 1 and rx.effects_count() == 0
    assert sleeps.delays == []


# --- retries and outcomes -------------------------------------------------------------------


def test_500_503_then_200_is_delivered_once_with_growing_backoff(
    tmp_path: Path, sleeps: Sleeps
) -> None:
    with Receiver([NEW], tmp_path / "rx.sqlite", responses=[500, 503]) as rx:
        outcome, attempts = send(endpoint(rx.url), sleeps, message_id="decision-d1-v2")
        assert (outcome.status, outcome.attempts, outcome.http_status) == ("delivered", 3, 200)
        assert outcome.last_error is None
        rows = rx.request_rows()
        assert [r["webhook_id"] for r in rows] == ["decision-d1-v2"] * 3
        assert [r["status_returned"] for r in rows] == [500, 503, 200]
        assert all(r["verified"] == 1 for r in rows)  # a fresh signature every attempt
        assert rx.effects_count("decision-d1-v2") == 1
    assert [a.http_status for a in attempts] == [500, 503, 200]
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert attempts[0].error.startswith("HTTP 500") and attempts[2].error is None
    assert outcome.first_attempt_at == attempts[0].at and outcome.last_attempt_at == attempts[2].at
    assert attempts[0].at <= attempts[2].at
    # the delays slept are the ones announced, exponential within the 10% jitter
    assert sleeps.delays == [attempts[0].retry_in, attempts[1].retry_in]
    assert attempts[2].retry_in is None
    first, second = sleeps.delays
    assert 0.009 <= first <= 0.01
    assert 0.018 <= second <= 0.02


def test_backoff_is_capped_and_jittered_down() -> None:
    ep = endpoint("http://x/", backoff_seconds=1.0, backoff_max_seconds=300.0)
    with httpx.Client() as client:
        low = WebhookSender(ep, client=client, rng=lambda: 0.0)
        high = WebhookSender(ep, client=client, rng=lambda: 1.0)
        assert [low.backoff(n) for n in (1, 2, 3, 9, 10, 200)] == [1, 2, 4, 256, 300, 300]
        assert high.backoff(3) == pytest.approx(3.6)
        assert high.backoff(50) == pytest.approx(270.0)


@pytest.mark.parametrize(("backoff_max", "expected"), [(300.0, 2.0), (0.5, 0.5)])
def test_429_retry_after_is_honoured_up_to_the_cap(
    tmp_path: Path, sleeps: Sleeps, backoff_max: float, expected: float
) -> None:
    script = [Scripted(429, {"Retry-After": "2"})]
    with Receiver([NEW], tmp_path / "rx.sqlite", responses=script) as rx:
        outcome, attempts = send(endpoint(rx.url, backoff_max_seconds=backoff_max), sleeps)
        assert (outcome.status, outcome.attempts) == ("delivered", 2)
        assert rx.request_count("msg-1") == 2 and rx.effects_count("msg-1") == 1
    assert sleeps.delays == [expected]
    assert attempts[0].http_status == 429 and attempts[0].retry_in == expected


def test_410_disables_after_exactly_one_attempt(tmp_path: Path, sleeps: Sleeps) -> None:
    with Receiver([NEW], tmp_path / "rx.sqlite", responses=[410]) as rx:
        outcome, attempts = send(endpoint(rx.url), sleeps)
        assert (outcome.status, outcome.attempts, outcome.http_status) == ("disabled", 1, 410)
        assert outcome.last_error.startswith("HTTP 410")
        assert rx.request_count() == 1 and rx.effects_count() == 0
    assert sleeps.delays == [] and len(attempts) == 1 and attempts[0].retry_in is None


def test_endless_500_is_a_dead_letter_after_max_attempts(tmp_path: Path, sleeps: Sleeps) -> None:
    with Receiver([NEW], tmp_path / "rx.sqlite", default_status=500) as rx:
        outcome, attempts = send(endpoint(rx.url, max_attempts=4), sleeps)
        assert (outcome.status, outcome.attempts, outcome.http_status) == ("dead_letter", 4, 500)
        assert outcome.last_error.startswith("HTTP 500: ")
        assert "\n" not in outcome.last_error and len(outcome.last_error) <= 220
        assert rx.request_count("msg-1") == 4 and rx.effects_count() == 0
    assert len(sleeps.delays) == 3  # no wait after the last attempt
    assert sleeps.delays == sorted(sleeps.delays)
    assert [a.retry_in is None for a in attempts] == [False, False, False, True]


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_other_4xx_is_a_dead_letter_after_one_attempt(
    tmp_path: Path, sleeps: Sleeps, status: int
) -> None:
    with Receiver([NEW], tmp_path / "rx.sqlite", responses=[status]) as rx:
        outcome, _ = send(endpoint(rx.url), sleeps)
        assert (outcome.status, outcome.attempts, outcome.http_status) == (
            "dead_letter",
            1,
            status,
        )
        assert outcome.last_error.startswith(f"HTTP {status}")
        assert rx.request_count() == 1
    assert sleeps.delays == []


def test_connection_refused_is_retried_then_a_dead_letter(sleeps: Sleeps) -> None:
    with socket.socket() as blocker:  # bound, never listening: connections are refused
        blocker.bind(("127.0.0.1", 0))
        port = blocker.getsockname()[1]
        outcome, attempts = send(endpoint(f"http://127.0.0.1:{port}/", max_attempts=3), sleeps)
    assert (outcome.status, outcome.attempts, outcome.http_status) == ("dead_letter", 3, None)
    assert outcome.last_error.startswith("ConnectError")
    assert "\n" not in outcome.last_error
    assert all(a.error.startswith("ConnectError") for a in attempts)
    assert len(sleeps.delays) == 2


def test_timeout_after_the_receiver_applied_is_retried_and_applied_once(
    tmp_path: Path, sleeps: Sleeps
) -> None:
    # the first answer comes too late: the receiver applied it, the sender saw a timeout
    script = [Scripted(200, delay_seconds=3.0)]
    with Receiver([NEW], tmp_path / "rx.sqlite", responses=script) as rx:
        outcome, attempts = send(endpoint(rx.url, timeout_seconds=1.0), sleeps)
        assert (outcome.status, outcome.attempts) == ("delivered", 2)
        assert "Timeout" in attempts[0].error
        assert rx.request_count("msg-1") == 2 and rx.effects_count("msg-1") == 1


def test_sender_closes_only_the_client_it_created() -> None:
    ep = endpoint("http://x/")
    with WebhookSender(ep) as own:
        pass
    assert own._client.is_closed
    with httpx.Client() as client:
        with WebhookSender(ep, client=client):
            pass
        assert not client.is_closed


# --- configuration --------------------------------------------------------------------------


def env(**values: str) -> dict[str, str]:
    return {f"STOCKOPS_WEBHOOK_{key.upper()}": value for key, value in values.items()}


def test_endpoint_from_env_reads_settings_and_keeps_secrets_out_of_repr() -> None:
    assert endpoint_from_env({}) is None
    assert endpoint_from_env(env(url="", secret=NEW)) is None
    ep = endpoint_from_env(
        env(
            url="https://hooks.example.com/stockops",
            secret=f"  {OLD}  {NEW} ",
            max_attempts="3",
            backoff_seconds="0.5",
            timeout_seconds="20",
        )
    )
    assert ep is not None
    assert ep.secrets == (OLD, NEW)
    assert (ep.max_attempts, ep.backoff_seconds, ep.timeout_seconds) == (3, 0.5, 20.0)
    defaults = endpoint_from_env(env(url="http://127.0.0.1:9/", secret=NEW))
    assert (defaults.max_attempts, defaults.backoff_seconds, defaults.timeout_seconds) == (
        6,
        1.0,
        15.0,
    )
    # the host shows; the path, which may be a token (Slack-style URLs), does not
    assert "https://hooks.example.com/***" in repr(ep) and "/stockops" not in repr(ep)
    with WebhookSender(ep) as sender:
        shown_sender = repr(sender)
    for shown in (repr(ep), str(ep), shown_sender):
        for secret in (OLD, NEW):
            assert secret not in shown and secret.removeprefix("whsec_") not in shown


def test_endpoint_from_env_requires_a_secret() -> None:
    with pytest.raises(ValueError, match="STOCKOPS_WEBHOOK_SECRET"):
        endpoint_from_env(env(url="https://hooks.example.com/"))
    with pytest.raises(ValueError, match="STOCKOPS_WEBHOOK_SECRET"):
        endpoint_from_env(env(url="https://hooks.example.com/", secret="   "))


@pytest.mark.parametrize(
    "bad_secret",
    [
        "whsec_" + base64.b64encode(b"sixteen-byte-key").decode(),  # too short
        "whsec_" + "not base64 at all!!" * 3,
        "hunter2-hunter2-hunter2-hunter2-hunter2-hunter2-%%",
    ],
)
def test_endpoint_from_env_rejects_bad_secrets_without_showing_them(bad_secret: str) -> None:
    with pytest.raises(ValueError, match="STOCKOPS_WEBHOOK_SECRET") as raised:
        endpoint_from_env(env(url="https://hooks.example.com/", secret=f"{NEW} {bad_secret}"))
    message = str(raised.value)
    assert "#2" in message
    for secret in (NEW, bad_secret):
        assert secret not in message and secret.removeprefix("whsec_")[:12] not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("max_attempts", "six"),
        ("max_attempts", "0"),
        ("max_attempts", "2.5"),
        ("backoff_seconds", "soon"),
        ("backoff_seconds", "-1"),
        ("timeout_seconds", "nan"),
        ("timeout_seconds", "0"),
    ],
)
def test_endpoint_from_env_names_the_bad_number(variable: str, value: str) -> None:
    values = env(url="https://hooks.example.com/", secret=NEW) | env(**{variable: value})
    with pytest.raises(ValueError, match=f"STOCKOPS_WEBHOOK_{variable.upper()}") as raised:
        endpoint_from_env(values)
    assert NEW not in str(raised.value)


def test_endpoint_from_env_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError, match="STOCKOPS_WEBHOOK_URL"):
        endpoint_from_env(env(url="file:///etc/passwd", secret=NEW))


def test_endpoint_rejects_a_bare_string_of_secrets() -> None:
    with pytest.raises(TypeError):
        WebhookEndpoint(url="http://x/", secrets=NEW)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        replace(endpoint("http://x/"), max_attempts=0)


# --- a real crash between the send and the ledger write -------------------------------------

SEND_ONE = """
import sys
from stockops.queue.webhook import WebhookSender, endpoint_from_env

with WebhookSender(endpoint_from_env()) as sender:
    outcome = sender.send(sys.argv[1], sys.argv[2])
print(outcome.status, outcome.attempts, outcome.http_status)
"""


@pytest.fixture
def receiver_process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The receiver as its own process; yields (url, db path)."""
    db, port_file = tmp_path / "rx.sqlite", tmp_path / "rx.url"
    process = subprocess.Popen(
        [sys.executable, str(RECEIVER_SCRIPT), "--db", str(db), "--secret", NEW]
        + ["--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not port_file.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.05)
        yield port_file.read_text(), db
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # seen once on a loaded machine: cleanup must not fail
            process.kill()
            process.wait(timeout=10)
        process.stderr.close()


def test_crash_after_send_then_resend_is_applied_once(
    receiver_process: tuple[str, Path],
) -> None:
    url, db = receiver_process
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_FAULT", "STOCKOPS_WEB"))
    }
    base_env |= {"STOCKOPS_WEBHOOK_URL": url, "STOCKOPS_WEBHOOK_SECRET": NEW}
    args = [sys.executable, "-c", SEND_ONE, "decision-d9-v1", BODY]

    crashed = subprocess.run(
        args,
        env=base_env | {"STOCKOPS_FAULT_POINT": "webhook_after_send"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout == ""  # it never learned the outcome
    assert webhook_receiver.request_count(db, "decision-d9-v1") == 1
    assert webhook_receiver.effects_count(db, "decision-d9-v1") == 1

    again = subprocess.run(args, env=base_env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["delivered", "1", "200"]
    assert webhook_receiver.requests_by_id(db) == {"decision-d9-v1": 2}
    assert webhook_receiver.effects_count(db) == 1
