"""The sign-in form, with GOV.UK error messages and an error summary linked to each field."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm

from cases.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    non_field_anchor = "username"
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask your partnership's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
