"""Real server processes for the benchmarks (gunicorn, a Celery worker) and their memory.

Memory comes from /proc: ``VmHWM`` is the kernel's own high-water mark of a process's
resident set, so a peak is read once after the load, not sampled and possibly missed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from bench.core import REPO_DIR, BenchError

LOG_DIR = REPO_DIR / "var" / "bench"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Memory:
    rss_mib: float
    peak_mib: float


def process_memory(pid: int) -> Memory:
    """Current (VmRSS) and peak (VmHWM) resident memory of one process, in MiB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(rest.split()[0]) / 1024  # the kernel reports kB
    return Memory(rss_mib=fields["VmRSS"], peak_mib=fields["VmHWM"])


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers, Celery's pool processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name in field 2 may hold spaces; the parent pid follows its ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return sorted(found)


class Server:
    """A subprocess with its output in var/bench/<name>.log, stopped on exit."""

    name = "server"

    def __init__(self, command: list[str], *, env: dict[str, str] | None = None) -> None:
        self.command = command
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{self.name}.log"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError(f"{self.name} is not running")
        return self.process.pid

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise BenchError(
                f"{self.name} exited with status {self.process.returncode}; see {self.log_path}"
            )

    def stop(self, timeout: float = 20) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Gunicorn(Server):
    """The product's WSGI app (under bench settings) on a loopback port, sync workers.

    ``threads`` above 1 switches to gthread workers: more requests in flight at once than
    there are processes (the fault suite races 50 requests on one case row).
    """

    name = "gunicorn"

    def __init__(
        self, *, workers: int, threads: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.workers = workers
        super().__init__(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                # Room for the clients' connections while every worker is busy.
                "--backlog",
                "256",
                *(["--threads", str(threads)] if threads > 1 else []),
            ],
            env=env,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 60) -> None:
        super().start()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise BenchError(f"gunicorn did not answer /healthz in {ready_timeout:.0f}s")
        # /healthz answers from the first worker up; the memory figures need all of them.
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        return children(self.pid)


class CeleryWorker(Server):
    """``celery -A config worker`` on the bench queue, prefork like the Procfile's worker."""

    name = "celery"

    def __init__(self, *, queue: str, concurrency: int, env: dict[str, str] | None = None) -> None:
        super().__init__(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--queues",
                queue,
                "--hostname",
                f"bench-{os.getpid()}@%h",
                "--loglevel",
                os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
                # A lone worker has no peers to sync with; skipping it only shortens start-up.
                "--without-mingle",
                "--without-gossip",
            ],
            env=env,
        )

    def process_pids(self) -> list[int]:
        """The main process and its pool processes."""
        return [self.pid, *children(self.pid)]
