"""Bench-only baseline: a plain model as wide as Referral and a bare DRF ModelViewSet.

It measures what Django + DRF + PostgreSQL cost on this machine with none of the product's
rules, so the product's figures can be read as a ratio. Installed only by bench.settings.
"""
