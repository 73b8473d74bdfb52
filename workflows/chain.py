"""The per-case HMAC hash chain over transition log rows (tamper evidence)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def _key() -> bytes:
    return str(settings.AUDIT_HMAC_KEY).encode()


def link_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hmac.new(
        _key(), prev_hash.encode() + b"|" + canonical(fields), hashlib.sha256
    ).hexdigest()


def reason_digest(reason: str) -> str:
    """The HMAC a row's hash covers in place of its reason text (hex).

    Keyed, not a bare SHA-256: once the text is erased, nobody without the key can confirm
    a guess of what it said.
    """
    return hmac.new(_key(), reason.encode(), hashlib.sha256).hexdigest()


def reason_problem(row: Any) -> str | None:
    """What is wrong with a row's reason text against its digest, or None.

    A row without a digest has its text under the hash itself; an erased reason (blank,
    with ``reason_erased_at``) is fine: the digest still holds the chain.
    """
    digest = getattr(row, "reason_digest", "")
    if not digest:
        return None
    if getattr(row, "reason_erased_at", None) is not None:
        return "the reason is marked erased but has text" if row.reason else None
    if not hmac.compare_digest(reason_digest(row.reason), digest):
        return "the reason does not match its digest (the text was changed)"
    return None


def transition_fields(row: Any) -> dict[str, Any]:
    """The content a TransitionLog row's hash covers (everything but the hashes).

    ``version`` and ``responsible_agency`` are covered once a row records them; rows
    written before those columns existed keep the hash they were given without them.
    Nulling them afterwards changes the content hashed, so it breaks the chain too.
    Likewise the reason: a row with a ``reason_digest`` is covered by the digest (so its
    text can be erased; ``reason_problem`` holds the text to the digest), a row written
    before digests by its text. Works on historical (migration) models too.
    """
    digest = getattr(row, "reason_digest", "")
    fields = {
        "case": row.case_id,
        "seq": row.seq,
        "transition": row.transition,
        "source": row.source,
        "target": row.target,
        "actor": row.actor_id,
        "actor_agency": row.actor_agency_id,
        "data": row.data,
        "at": row.at.isoformat(),
    }
    if digest:
        fields["reason_digest"] = digest
    else:
        fields["reason"] = row.reason
    if row.version is not None:
        fields["version"] = row.version
        fields["responsible_agency"] = row.responsible_agency_id
    return fields
