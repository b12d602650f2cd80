"""Nothing outlives a killed command.

A refresh starts processes of its own: the pool's workers and multiprocessing's resource
tracker, and, without PREFECT_API_URL, Prefect's temporary API server (prefect's
`SubprocessASGIServer`, a `python -m uvicorn` child it starts with `subprocess.Popen` and stops
only from an `atexit` hook). Killed with SIGKILL, a command runs no hook: before this, each
kill left a server, two workers and a tracker running.

The simplest way that holds however the command dies, without reaching into Prefect: the
`findings` command (the supervisor) runs its work in a child, `python -m findings.flows.cli
...`, which leads a process group of its own; everything the work starts (server, workers,
tracker, a served deployment's runs) is in that group. A watchdog, forked from the supervisor
into a group of its own (so a signal to the supervisor's group does not reach it), holds
the reading end of a pipe that only the supervisor can write: when the supervisor ends,
however it ends, the pipe closes and, unless the supervisor said it finished, the watchdog
kills the whole work group. The work child also gets PR_SET_PDEATHSIG (Linux), so it dies
with the supervisor even before the watchdog knows its pid. When the work ends, the
supervisor kills whatever it left in its group (nothing, if all is well). Ctrl-C, SIGTERM and
SIGHUP reaching the supervisor are passed on to the work's main process, which stops its pool
and Prefect's server in order (a terminal's Ctrl-C used to reach the server too, which died
first and left the interrupted run retrying, for minutes, to report that it had crashed).
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _prctl():
    """libc's prctl, looked up before any fork (None off Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def die_with_parent(sig: int = signal.SIGKILL):
    """A preexec_fn: the child gets `sig` when the process that started it ends."""
    prctl, parent = _prctl(), os.getpid()

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def supervise(argv: list[str]) -> int:
    """Run `findings argv` in a child process group that ends with this process, however
    this process ends; the child's exit code (128 + N if killed by signal N)."""
    read_end, write_end = os.pipe()
    watchdog = os.fork()  # this process runs no thread yet: a plain fork is safe
    if watchdog == 0:
        _watch(read_end, write_end)
    os.close(read_end)
    child: subprocess.Popen | None = None

    def relay(sig: int, _frame) -> None:
        if child is not None:  # to the work's main process only: it stops its pool and Prefect's server
            try:               # in order (a server killed first leaves the run retrying to report its end)
                os.kill(child.pid, sig)
            except ProcessLookupError:
                pass

    for sig in FORWARDED:
        signal.signal(sig, relay)
    try:
        child = subprocess.Popen([sys.executable, "-m", "findings.flows.cli", *argv], process_group=0,
                                 preexec_fn=die_with_parent())
        os.write(write_end, f"{child.pid}\n".encode())
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: its group id stays ours
        _kill_group(child.pid, signal.SIGKILL)  # anything it left behind
        code = child.wait()
        os.write(write_end, b"done\n")
    finally:
        if child is not None and child.poll() is None:  # an error here: the work must not outlive it
            _kill_group(child.pid, signal.SIGKILL)
            child.wait()
        os.close(write_end)
        os.waitpid(watchdog, 0)
    return 128 - code if code < 0 else code


def _watch(read_end: int, write_end: int) -> None:
    """The watchdog (a forked child): wait for the supervisor's pipe to close; then, unless
    it wrote 'done', kill the work's process group. Never returns."""
    try:
        os.close(write_end)
        os.setpgid(0, 0)  # out of the supervisor's group: killing that group must not kill the watchdog
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # hold none of the supervisor's output open (a reader waits for its end)
            os.dup2(devnull, fd)
        said = b""
        while chunk := os.read(read_end, 64):
            said += chunk
        lines = said.decode().split()
        if lines and lines[0].isdigit() and "done" not in lines:
            _kill_group(int(lines[0]), signal.SIGKILL)
    finally:
        os._exit(0)


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
