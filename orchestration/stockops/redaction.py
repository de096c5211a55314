"""Credentials out of everything stockops prints or writes: the webhook URL's credentials, the
webhook signing secrets and the PostgreSQL password are taken from the environment and replaced
by `***` in error lines and failure logs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

_DSN_PASSWORD = re.compile(r"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s]+)@")


def _dsn_passwords(dsn: str) -> list[str]:
    found = [m.group(1).strip("'") for m in _DSN_PASSWORD.finditer(dsn)]
    found += [m.group(1) for m in _URI_PASSWORD.finditer(dsn)]
    try:
        from psycopg.conninfo import conninfo_to_dict

        found.append(str(conninfo_to_dict(dsn).get("password") or ""))
    except Exception:  # noqa: BLE001 - a malformed DSN: the patterns above still apply
        pass
    return found


# Shorter parts (a one-letter user name) are not replaced in free text: that would garble every
# message. The whole URL and DSN password assignments are replaced whatever their length.
MIN_SECRET_CHARS = 4


def secret_values(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Every credential in the configuration, longest first (so a secret's own parts go last)."""
    from stockops.queue.webhook import WebhookEndpoint

    found: list[str] = list((environ.get("STOCKOPS_WEBHOOK_SECRET") or "").split())
    url = (environ.get("STOCKOPS_WEBHOOK_URL") or "").strip()
    if url:
        found += WebhookEndpoint.credentials_of(url)
    found += _dsn_passwords(environ.get("STOCKOPS_POSTGRES_DSN") or "")
    found.append(environ.get("PGPASSWORD") or "")
    return sorted({s for s in found if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every credential (default: those configured in the environment) replaced."""
    text = _DSN_PASSWORD.sub("password=***", text)
    for secret in secret_values() if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text
