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


def writer_pid(warehouse: Path) -> int | None:
    """The pid of the refresh writing `warehouse` now, if any (from its lock file, without
    taking the lock: a refresh starting meanwhile must not find it held)."""
    lock = Path(str(warehouse) + ".lock")
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    if not text.startswith("pid "):
        return None
    try:
        pid = int(text.split()[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return None  # killed without releasing: its 'running' run is interrupted
    except PermissionError:
        pass
    return pid
