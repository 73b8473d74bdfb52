"""Audit plumbing shared by every app: masking, and who the audit entries are attributed to.

Every django-auditlog ``LogEntry`` names its actor. ``acting_as(user)`` sets the actor for
the block; blocks nest and the innermost wins, then the outer one is restored. Requests get
theirs from ``AuditActorMiddleware``, services from their ``by`` argument, Celery tasks and
``SystemCommand`` management commands from the ``csp-system`` user unless they say otherwise.

Why not ``auditlog.context.set_actor``: it connects a receiver per call and, when two calls
nest (the middleware around a service), the outer one disconnects the inner receiver instead
of its own, so its receiver leaks for the life of the process and the outer actor is lost
for the rest of the block (jazzband/django-auditlog#846). Here one receiver is connected once
and the actor lives in a ContextVar that is reset, not overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.http import HttpRequest, HttpResponse

MASK = "********"
SYSTEM_USERNAME = "csp-system"

# Fields that hold personal data or free narrative, masked in every audit entry. One list
# per concrete model: each proxy of Case must be registered with the Case list.
CASE_MASKED_FIELDS = [
    "details",
    "location_text",
    "postcode",
    "latitude",
    "longitude",
    "closure_reason",
]
SUBJECT_MASKED_FIELDS = [
    "full_name",
    "name_key",
    "date_of_birth",
    "age",
    "identifiers",
    "safe_contact",
    "school",
]
SUPPORT_NEED_MASKED_FIELDS = ["notes"]
REFERRAL_MASKED_FIELDS = [
    "summary",
    "location_text",
    "location_key",
    "postcode",
    "latitude",
    "longitude",
    "details",
]
RISK_ASSESSMENT_MASKED_FIELDS = ["answers"]
MARAC_REFERRAL_MASKED_FIELDS = ["dash_answers"]


def mask_completely(value: str) -> str:
    """Hide the whole value. auditlog's default shows half of it, which is too much.

    An absent value stays visibly absent ("" or "None"): that tells nobody anything.
    """
    return MASK if value not in (None, "", "None") else value


@dataclass
class _Acting:
    """The actor of the current block.

    ``resolve`` runs each time an entry is written, never cached: a task's first transaction
    may create csp-system and roll back, and a later entry must not name the vanished row.
    """

    resolve: Callable[[], Any]
    remote_addr: str | None = None
    remote_port: int | None = None


_acting: ContextVar[_Acting | None] = ContextVar("csp_audit_acting", default=None)


def _enter(acting: _Acting) -> Token[_Acting | None]:
    outer = _acting.get()
    if outer is not None:
        # A nested block changes who acts, not where the request came from.
        acting.remote_addr = acting.remote_addr or outer.remote_addr
        acting.remote_port = acting.remote_port or outer.remote_port
    return _acting.set(acting)


@contextmanager
def acting_as(
    user: Any, *, remote_addr: str | None = None, remote_port: int | None = None
) -> Iterator[None]:
    """Attribute every audit entry written inside the block to ``user`` (None: nobody)."""
    token = _enter(_Acting(lambda: user, remote_addr, remote_port))
    try:
        yield
    finally:
        _acting.reset(token)


@contextmanager
def acting_as_system() -> Iterator[None]:
    """Attribute the block's audit entries to ``csp-system``, fetched only if one is written."""
    token = _enter(_Acting(system_user))
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> Any:
    """The user audit entries written now would name, or None."""
    acting = _acting.get()
    return acting.resolve() if acting is not None else None


def system_user() -> Any:
    """The ``csp-system`` user that tasks and commands act as; created on first use.

    It cannot sign in: no usable password, and inactive so that setting one changes nothing.
    """
    user, _ = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "is_active": False,
            "password": make_password(None),
            "first_name": "CSP",
            "last_name": "system",
        },
    )
    return user


def _attribute_entry(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save of LogEntry: fill in the current actor and address unless already set."""
    acting = _acting.get()
    if acting is None:
        return
    user = acting.resolve()
    if instance.actor_id is None and isinstance(user, get_user_model()) and user.pk:
        instance.actor = user
        instance.actor_email = user.email or None
    if instance.remote_addr is None:
        instance.remote_addr = acting.remote_addr
    if instance.remote_port is None:
        instance.remote_port = acting.remote_port


# Celery: every task acts as csp-system unless it opens its own acting_as(user) block.
_task_tokens: dict[str, Token[_Acting | None]] = {}


def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _task_tokens[task_id] = _enter(_Acting(system_user))


def _task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is None:
        return
    try:
        _acting.reset(token)
    except ValueError:
        # A pool that ran the task in another context: clear ours rather than leak it.
        _acting.set(None)


def connect_signals() -> None:
    """Called once from CasesConfig.ready()."""
    from auditlog.models import LogEntry
    from celery.signals import task_postrun, task_prerun
    from django.db.models.signals import pre_save

    pre_save.connect(_attribute_entry, sender=LogEntry, dispatch_uid="csp-audit-actor")
    task_prerun.connect(_task_started, dispatch_uid="csp-audit-task-started", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="csp-audit-task-finished", weak=False)


class AuditActorMiddleware:
    """Attribute the request's audit entries to its user, with address and correlation id.

    The user is read when an entry is written, not when the request arrives: DRF
    authenticates tokens after middleware runs and then sets ``request.user``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from auditlog.middleware import AuditlogMiddleware

        self.get_response = get_response
        self._auditlog = AuditlogMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from auditlog.cid import set_cid

        set_cid(request)
        acting = _Acting(
            lambda: self._auditlog._get_actor(request),
            self._auditlog._get_remote_addr(request),
            self._auditlog._get_remote_port(request),
        )
        token = _enter(acting)
        try:
            return self.get_response(request)
        finally:
            _acting.reset(token)


class SystemCommand(BaseCommand):
    """A management command whose audit entries are attributed to ``csp-system``."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with acting_as_system():
            return super().execute(*args, **options)
