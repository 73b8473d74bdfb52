"""Pages that belong to no single app: home, sign-in and the accessibility statement."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.forms import SignInForm
from partners.selectors import primary_agency
from referrals.selectors import referrals_recent
from workflows.labels import in_workflow_order, state_label, transition_label
from workflows.selectors import can_use_release_tracker, cases_awaiting_action


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's start page: what waits on them and what they raised."""
    awaiting = [
        {
            "case": case,
            "state": state_label(case),
            "actions": [transition_label(name) for name in in_workflow_order(names)],
        }
        for case, names in cases_awaiting_action(user=request.user)
    ]
    referrals = [
        {"referral": r, "state": state_label(r.case)}
        for r in referrals_recent(user=request.user, limit=10)
    ]
    return render(
        request,
        "home.html",
        {
            "awaiting": awaiting,
            "referrals": referrals,
            "release_tracker": can_use_release_tracker(request.user),
            "can_raise": primary_agency(request.user) is not None,
        },
    )


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["error_summary"] = context["form"].error_summary()
        return context


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")
