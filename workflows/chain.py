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


def link_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    key = str(settings.AUDIT_HMAC_KEY).encode()
    return hmac.new(key, prev_hash.encode() + b"|" + canonical(fields), hashlib.sha256).hexdigest()


def transition_fields(row: Any) -> dict[str, Any]:
    """The content a TransitionLog row's hash covers (everything but the hashes).

    ``version`` and ``responsible_agency`` are covered once a row records them; rows
    written before those columns existed keep the hash they were given without them.
    Nulling them afterwards changes the content hashed, so it breaks the chain too.
    """
    fields = {
        "case": row.case_id,
        "seq": row.seq,
        "transition": row.transition,
        "source": row.source,
        "target": row.target,
        "actor": row.actor_id,
        "actor_agency": row.actor_agency_id,
        "reason": row.reason,
        "data": row.data,
        "at": row.at.isoformat(),
    }
    if row.version is not None:
        fields["version"] = row.version
        fields["responsible_agency"] = row.responsible_agency_id
    return fields
