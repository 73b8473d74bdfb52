"""The registered benchmarks and the order they run in (later ones reuse earlier data)."""

from bench.benchmarks import api, audit, notify, report, scan

ORDER = ("report", "audit", "scan", "api", "notify")

__all__ = ["ORDER", "api", "audit", "notify", "report", "scan"]
