"""CSP Casework benchmarks: ``python -m bench`` / ``make bench`` (see docs/performance.md).

Not part of the installed product: run from a checkout, against a bench database.
"""
