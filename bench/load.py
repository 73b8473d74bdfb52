"""HTTP load driver: N concurrent clients (httpx, one thread each) against one server.

Generic on purpose: a benchmark says what to send through ``make_request(i)`` (method, path,
JSON body) and which status means success. Only requests that start after the warm-up and
finish before the end of the window are counted, so throughput is requests completed per
second of a fixed window, with every client busy throughout. A finite pool that runs out
closes the window early, when the last request in flight has ended.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.core import percentile


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None


# Returns the i-th request to send, or None when there is nothing left (a finite pool).
RequestFactory = Callable[[int], Request | None]


@dataclass
class LoadResult:
    window: float
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    sent: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.completed / self.window

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def failure_note(self) -> str:
        if not self.failures:
            return ""
        parts = ", ".join(f"{k} x{n}" for k, n in self.failures.most_common())
        return f"{sum(self.failures.values())} failed request(s): {parts}"


def load_run(
    *,
    base_url: str,
    make_request: RequestFactory,
    expect_status: int,
    clients: int,
    duration: float,
    warmup: float,
    token: str | None = None,
    timeout: float = 30.0,
) -> LoadResult:
    """Run ``clients`` closed-loop clients for ``warmup + duration`` seconds."""
    if clients < 1:
        raise ValueError(f"clients must be at least 1, got {clients}")
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    headers = {"Authorization": f"Token {token}"} if token else {}
    numbers = itertools.count()
    lock = threading.Lock()
    result = LoadResult(window=duration)
    start = threading.Barrier(clients + 1)
    window: dict[str, float] = {}
    collected: list[tuple[float, float, str | None]] = []
    exhausted = threading.Event()

    def client() -> None:
        samples: list[tuple[float, float, str | None]] = []
        with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as http:
            start.wait()
            while time.monotonic() < window["end"]:
                request = make_request(next(numbers))
                if request is None:
                    exhausted.set()
                    break
                began = time.monotonic()
                try:
                    response = http.request(request.method, request.path, json=request.body)
                    outcome = (
                        None if response.status_code == expect_status else str(response.status_code)
                    )
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                samples.append((began, time.monotonic(), outcome))
        with lock:
            collected.extend(samples)

    threads = [threading.Thread(target=client, name=f"load-{i}") for i in range(clients)]
    for t in threads:
        t.start()
    now = time.monotonic()
    window["counted_from"] = now + warmup
    window["end"] = now + warmup + duration
    start.wait()
    for t in threads:
        t.join()
    end = window["end"]
    if exhausted.is_set():
        # A finite pool ran out: the window closes when the last request in flight ended.
        end = max((ended for _, ended, _ in collected), default=window["counted_from"])
        if end <= window["counted_from"]:
            raise ValueError("the request pool ran out during the warm-up: make it larger")
    result.window = end - window["counted_from"]
    for began, ended, outcome in collected:
        if began < window["counted_from"] or ended > end:
            continue  # warm-up, or cut off by the end of the window
        result.sent += 1
        if outcome is None:
            result.latencies_ms.append((ended - began) * 1000)
        else:
            result.failures[outcome] += 1
    return result
