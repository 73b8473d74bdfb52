"""The registered benchmarks and the order they run in (later ones reuse earlier data)."""

from bench.benchmarks import api, audit, notify, report

ORDER = ("report", "audit", "api", "notify")

__all__ = ["ORDER", "api", "audit", "notify", "report"]
