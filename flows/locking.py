"""One refresh at a time per warehouse: an advisory lock file beside it."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

# Exit code of a refresh that found another one running (EX_TEMPFAIL: try again later).
EXIT_BUSY = 75


class RefreshRunning(RuntimeError):
    exit_code = EXIT_BUSY


@contextmanager
def refresh_lock(warehouse: Path, wait: float = 0.0):
    path = Path(str(warehouse) + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise RefreshRunning(
                    f"another refresh ({holder}) is writing {warehouse}; this one did nothing. "
                    "Wait for it to finish, or pass --wait SECONDS to queue behind it.") from None
            time.sleep(0.2)
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}")
    fh.flush()
    try:
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
