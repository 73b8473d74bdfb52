"""The sign-in forms, with GOV.UK error messages and an error summary linked to each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from web.forms import GovukFormMixin

INVALID_SIGN_IN = (
    "Enter a correct username and password. Both are case-sensitive. If you use an "
    "authenticator app, enter the code it shows when you are asked for it."
)


class SignInForm(GovukFormMixin, AuthenticationForm):
    non_field_anchor = "username"
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": INVALID_SIGN_IN,
        "inactive": "This account is inactive. Ask your partnership's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class _CodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=8,
            strip=True,
            error_messages={
                "required": "Enter the code from your authenticator app",
                "max_length": "The code is the 6 digits your authenticator app shows",
            },
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        code = str(super().clean(value)).replace(" ", "")
        if not code.isdigit() or len(code) < 6:
            raise forms.ValidationError("The code is the 6 digits your authenticator app shows")
        return code


class SignInCodeForm(GovukFormMixin, forms.Form):
    """The code asked for after the password. Its checks depend only on what was typed
    here, never on whether the password was right."""

    code = _CodeField()


class TwoFactorSetupForm(GovukFormMixin, forms.Form):
    code = _CodeField()
