"""Account forms: sign-up (Django's UserCreationForm plus an optional e-mail), the two log-in forms, delete."""
from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional; only used to reset your password.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def username_taken(self) -> None:
        """Say the name is taken: another sign-up won the race between this form's check and its save."""
        self.add_error("username", self.instance.unique_error_message(self._meta.model, ["username"]))


class _UsernameLengthChecked:
    """Refuse a username longer than any account can have before authenticate() sees it.

    Django's AuthenticationForm sets the field's max_length but adds no validator for it, so any length
    reached django-axes, whose failed-login record (255 characters) overflowed on PostgreSQL: a 500.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(_UsernameLengthChecked, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLengthChecked, AdminAuthenticationForm):
    pass


class AccountDeleteForm(forms.Form):
    """Deleting an account cannot be undone: the member types their password to confirm it is them."""

    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; the account was not deleted.",
                                        code="password_incorrect")
        return password
