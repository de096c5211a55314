"""Signed webhook delivery (Standard Webhooks): the sender, its signatures and the receiver's check.

Every message carries `webhook-id` (the same on every attempt: the receiver's idempotency key),
`webhook-timestamp` and `webhook-signature` (HMAC-SHA256 over `{id}.{timestamp}.{body}`, one
space-separated `v1,<sig>` entry per secret, which is how a secret is rotated without downtime).

Delivery is at-least-once: 2xx is delivered; 410 Gone disables the endpoint; connection errors,
timeouts, 408, 425, 429 and 5xx are retried with exponential backoff (jittered, honouring a numeric
`Retry-After` on 429/503); any other answer, or an exhausted retry budget, is a dead letter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook, WebhookVerificationError
from standardwebhooks.webhooks import EmptyWebhookSecretError

from stockops.faults import fault_point

__all__ = [
    "AttemptResult",
    "SendOutcome",
    "WebhookEndpoint",
    "WebhookSender",
    "WebhookVerificationError",
    "display_url",
    "endpoint_from_env",
    "sign_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
RETRYABLE_STATUS = frozenset({408, 425, 429})  # and every 5xx
RETRY_AFTER_STATUS = frozenset({429, 503})
GONE = 410
JITTER = 0.10  # a retry waits between 90% and 100% of its backoff
ERROR_BODY_CHARS = 200

_MESSAGE_ID = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces: it goes into a header


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a usable Standard Webhooks secret (None if it is); never echoes it."""
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64 (expected whsec_<base64>)"
    if len(key) < MIN_SECRET_BYTES:
        return f"decodes to {len(key)} bytes, fewer than the {MIN_SECRET_BYTES} required"
    return None


def display_url(url: str) -> str:
    """The URL without anything that may be a credential: user and password, path (services such as
    Slack put the token there), query and fragment are replaced by `***`; scheme, host and port
    stay, so an operator can tell endpoints apart. Safe to store, log and print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    netloc = ("***@" if parts.username or parts.password else "") + host + port
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            "/***" if parts.path.strip("/") else parts.path,
            "***" if parts.query else "",
            "***" if parts.fragment else "",
        )
    )


def url_fingerprint(url: str) -> str:
    """A short, slow hash of the whole URL: changes whenever any part of it (a password, a token)
    changes, and costs a brute-force search 0.1 s a guess, so storing it reveals nothing useful."""
    digest = hashlib.pbkdf2_hmac("sha256", url.encode("utf-8"), b"stockops/webhook-target", 200_000)
    return digest[:8].hex()


@dataclass(frozen=True)
class WebhookEndpoint:
    url: str = field(repr=False)  # may carry credentials: never stored, logged or printed
    secrets: tuple[str, ...] = field(repr=False)
    timeout_seconds: float = 15.0
    max_attempts: int = 6
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def __post_init__(self) -> None:
        if isinstance(self.secrets, str):  # a lone string would be signed with char by char
            raise TypeError("WebhookEndpoint.secrets must be a tuple of secrets, not a string")
        object.__setattr__(self, "secrets", tuple(self.secrets))
        if not self.secrets:
            raise ValueError("WebhookEndpoint needs at least one secret")
        for n, secret in enumerate(self.secrets, start=1):
            problem = secret_problem(secret)
            if problem:
                raise ValueError(f"WebhookEndpoint secret #{n} {problem}")
        if self.max_attempts < 1:
            raise ValueError("WebhookEndpoint.max_attempts must be at least 1")
        if not (self.timeout_seconds > 0 and math.isfinite(self.timeout_seconds)):
            raise ValueError("WebhookEndpoint.timeout_seconds must be a positive number")
        for name in ("backoff_seconds", "backoff_max_seconds"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"WebhookEndpoint.{name} must be a non-negative number")

    def __repr__(self) -> str:
        return f"WebhookEndpoint(url={self.display_url!r})"

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @property
    def target(self) -> str:
        """What the queue records as the channel's target: the URL without credentials, plus a
        fingerprint of the whole URL so that any change to it (a new token too) is noticed."""
        return f"{self.display_url} (fingerprint {url_fingerprint(self.url)})"

    def scrub(self, text: str) -> str:
        """`text` (an error from the transport or the receiver) without the URL's credentials."""
        for secret in self.credentials_of(self.url):
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def credentials_of(url: str) -> list[str]:
        """Every part of `url` that may be a credential, longest first (see display_url)."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return [url]
        found = [url, parts.password, parts.username, parts.query, parts.fragment]
        found += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
        if parts.path.strip("/"):
            found.append(parts.path)
        return sorted({s for s in found if s}, key=len, reverse=True)


def endpoint_from_env(environ: Mapping[str, str] | None = None) -> WebhookEndpoint | None:
    """The webhook endpoint of the settings (STOCKOPS_WEBHOOK_*, read from `environ`, default this
    process's environment), or None when STOCKOPS_WEBHOOK_URL is unset."""
    from stockops import settings

    cfg = settings.current(environ)
    if cfg.webhook_url is None:
        return None
    return WebhookEndpoint(
        url=cfg.webhook_url.get_secret_value(),
        secrets=cfg.webhook_secrets,
        timeout_seconds=cfg.webhook_timeout_seconds,
        max_attempts=cfg.webhook_max_attempts,
        backoff_seconds=cfg.webhook_backoff_seconds,
    )


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    # standardwebhooks reads the wall clock as UTC, so hand it UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sign_headers(
    endpoint: WebhookEndpoint, message_id: str, body: str, now: datetime | None = None
) -> dict[str, str]:
    """Standard Webhooks headers for one attempt: signed with every secret of the endpoint."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError("message_id must be non-empty printable ASCII without spaces")
    at = _utc(now)
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in endpoint.secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def _well_formed_signatures(header: str) -> str:
    """Keep the `v1,<base64>` entries; the library gives up on the first malformed one."""
    kept = []
    for entry in header.split():
        version, _, signature = entry.partition(",")
        if version != "v1" or not signature:
            continue
        try:
            base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            continue
        kept.append(entry)
    return " ".join(kept)


def verify(
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    json_parse: bool = True,
) -> Any:
    """Check a received message: accepted if any of `secrets` verifies it (timestamp within 5 min).

    Returns the parsed JSON body (or None with json_parse=False); raises WebhookVerificationError.
    """
    if isinstance(secrets, str):
        secrets = [secrets]
    if not secrets:
        raise WebhookVerificationError("No secret to verify with")
    wanted = {key.lower(): value for key, value in headers.items()}
    wanted["webhook-signature"] = _well_formed_signatures(wanted.get("webhook-signature") or "")
    try:
        data = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise WebhookVerificationError("Body is not UTF-8") from None
    failure: WebhookVerificationError | None = None
    for secret in secrets:
        try:
            Webhook(secret).verify(data, wanted, json_parse=False)
        except WebhookVerificationError as exc:
            failure = exc
        except (ValueError, EmptyWebhookSecretError):  # an unusable secret fails, not crashes
            failure = WebhookVerificationError("No matching signature found")
        else:
            return json.loads(data) if json_parse else None
    assert failure is not None
    raise failure


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    http_status: int | None
    error: str | None
    at: datetime
    retry_in: float | None  # seconds until the next attempt; None when this was the last


SendStatus = Literal["delivered", "dead_letter", "disabled"]


@dataclass(frozen=True)
class SendOutcome:
    status: SendStatus
    attempts: int
    http_status: int | None
    last_error: str | None
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _retry_after(response: httpx.Response) -> float | None:
    """A numeric Retry-After (seconds) on 429/503; HTTP-date forms are left to the backoff."""
    if response.status_code not in RETRY_AFTER_STATUS:
        return None
    try:
        seconds = float(response.headers.get("retry-after", "").strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


_PERMANENT_ERRORS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL)


class WebhookSender:
    """Delivers messages to one endpoint with retries; see the module docstring for the policy.

    The loop is written out rather than handed to a retry library (tenacity): every attempt,
    the last and the unretried ones too, is reported to `on_attempt` with the wait chosen after
    it (the ledger records it before the sleep), the wait comes from the response (Retry-After)
    or the backoff, and an exhausted budget turns the last "retry" into a dead letter. With a
    library these four steps would sit in four callbacks around the same classification.

    `sleep` and `rng` are injectable so tests run without waiting; a client passed in is left
    open by `close()`, a client created here is closed by it.
    """

    def __init__(
        self,
        endpoint: WebhookEndpoint,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=endpoint.timeout_seconds, follow_redirects=False
        )
        self._sleep = sleep
        self._rng = rng

    def __repr__(self) -> str:
        return f"WebhookSender({self.endpoint!r})"

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based): exponential, capped, jittered."""
        ep = self.endpoint
        exponent = min(attempt - 1, 64)  # 2**64 * any base is past any cap
        capped = min(ep.backoff_seconds * 2.0**exponent, ep.backoff_max_seconds)
        return capped * (1.0 - JITTER * self._rng())

    def send(
        self,
        message_id: str,
        body: str,
        on_attempt: Callable[[AttemptResult], None] | None = None,
    ) -> SendOutcome:
        ep = self.endpoint
        content = body.encode("utf-8")
        first_at: datetime | None = None
        status: int | None
        error: str | None
        for attempt in range(1, ep.max_attempts + 1):
            at = datetime.now(UTC)
            first_at = first_at or at
            headers = sign_headers(ep, message_id, body, now=at)
            retry_after: float | None = None
            outcome: str  # a SendStatus, or "retry"
            try:
                response = self._client.post(
                    ep.url, content=content, headers=headers, timeout=ep.timeout_seconds
                )
            except _PERMANENT_ERRORS as exc:
                status, error, outcome = None, ep.scrub(_error_text(exc)), "dead_letter"
            except httpx.HTTPError as exc:  # connection refused/reset, timeouts, bad responses
                status, error, outcome = None, ep.scrub(_error_text(exc)), "retry"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    # the receiver has it; a crash here must leave our ledger unwritten
                    fault_point("webhook_after_send")
                    error, outcome = None, "delivered"
                else:
                    answer = ep.scrub(_one_line(response.text, ERROR_BODY_CHARS))
                    error = f"HTTP {status}: {answer}".rstrip()
                    if status == GONE:
                        outcome = "disabled"
                    elif status in RETRYABLE_STATUS or 500 <= status < 600:
                        outcome = "retry"
                        retry_after = _retry_after(response)
                    else:  # 3xx (not followed) and other 4xx: a retry cannot fix them
                        outcome = "dead_letter"
            if outcome == "retry" and attempt == ep.max_attempts:
                outcome = "dead_letter"
            retry_in: float | None = None
            if outcome == "retry":
                retry_in = (
                    min(retry_after, ep.backoff_max_seconds)
                    if retry_after is not None
                    else self.backoff(attempt)
                )
            if on_attempt is not None:
                on_attempt(AttemptResult(attempt, status, error, at, retry_in))
            if retry_in is None:
                return SendOutcome(cast(SendStatus, outcome), attempt, status, error, first_at, at)
            self._sleep(retry_in)
        raise AssertionError("unreachable: the last attempt always returns")


def _error_text(exc: BaseException) -> str:
    return _one_line(f"{type(exc).__name__}: {exc}", ERROR_BODY_CHARS + 40)
