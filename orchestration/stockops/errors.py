"""How the stockops CLI fails: one line on stderr with the cause and the path of the full log.

Exit codes: 0 done; 1 failed (the build failed, or an unexpected error); 2 the command cannot run
as given (usage, configuration, landing data, a backend that is unreachable or damaged; nothing
was written); 3 an owner's action refused (`stockops queue`). The log holds what one line cannot
(every problem, the traceback, a run's whole output): under `<warehouse>/logs/`, or under the
system's temporary directory when there is no warehouse directory yet (a failure never creates
one). Credentials are scrubbed from both (stockops.redaction).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from stockops.redaction import scrub

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERRUPTED = 130

LOGS_DIR_NAME = "logs"


class StockopsError(Exception):
    """A failure told in one line; `detail` (problems, a traceback) goes to a log file."""

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        exit_code: int = EXIT_USAGE,
        log_path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.exit_code = exit_code
        self.log_path = log_path  # the log the message already names (a run's)


def log_dir(warehouse_dir: Path | None) -> Path:
    """`<warehouse>/logs` when the warehouse is an existing directory, else a temporary folder
    (a failure must not create a warehouse that was never there)."""
    if warehouse_dir is not None and warehouse_dir.is_dir():
        return warehouse_dir / LOGS_DIR_NAME
    return Path(tempfile.gettempdir()) / "stockops-logs"


def new_log_path(warehouse_dir: Path | None, kind: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return log_dir(warehouse_dir) / f"{kind}-{stamp}-{os.getpid()}.log"


def write_log(warehouse_dir: Path | None, kind: str, text: str) -> Path | None:
    """Write `text` (scrubbed) to a new log file; None when not even that is possible."""
    path = new_log_path(warehouse_dir, kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scrub(text))
    except OSError:
        return None
    return path


def report(error: StockopsError, warehouse_dir: Path | None) -> int:
    """Print the one line naming the log (written here unless the error names one already);
    return the exit code."""
    line = f"stockops: {error.message}"
    if not error.log_path:
        text = f"stockops {' '.join(sys.argv[1:])}\n\n{error.message}\n"
        path = write_log(
            warehouse_dir, "error", text + (f"\n{error.detail}" if error.detail else "")
        )
        if path is not None:
            line += f" (log: {path})"
    print(scrub(" ".join(line.split())), file=sys.stderr)
    return error.exit_code


def from_exception(exc: BaseException) -> StockopsError:
    """An unexpected exception as a StockopsError: exit 2 for what the environment caused (bad
    values, files, connections, a database that cannot be opened), 1 for anything else."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    detail = "".join(traceback.format_exception(exc))
    module = type(exc).__module__.split(".")[0]
    if isinstance(exc, ValueError | OSError) or module in (
        "duckdb",
        "_duckdb",
        "sqlite3",
        "psycopg",
    ):
        return StockopsError(first, detail=detail, exit_code=EXIT_USAGE)
    return StockopsError(
        f"unexpected error: {type(exc).__name__}: {first}", detail=detail, exit_code=EXIT_FAILED
    )
