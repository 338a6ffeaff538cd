"""Account pages: sign up, the account overview, the API token and deleting an account.

Log in, log out, password change and password reset are Django's own views (see urls.py).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rest_framework.authtoken.models import Token

from accounts.forms import AccountDeleteForm, SignUpForm
from accounts.services import api_token_rotate, user_delete
from ratings.models import Rating


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log the new user in and start onboarding: a few ratings make the picks personal."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same name (in any case) signed up between the form's check and here
            form.username_taken()
            return render(request, "accounts/signup.html", {"form": form})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Rate a few movies you have seen to get started.")
        return redirect("onboarding")
    return render(request, "accounts/signup.html", {"form": form})


@require_safe
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The member's account: who they are, and links to password, API token, export and delete."""
    context = {"rated": Rating.objects.filter(user=request.user).count()}
    return render(request, "accounts/account.html", context)


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's password change (it keeps this session signed in), back to the account page after."""

    success_url = reverse_lazy("account")
    success_message = "Your password was changed."


@require_safe
@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """The member's API token and how to use it; reading the page never creates or changes one."""
    token = Token.objects.filter(user=request.user).first()
    context = {
        "token": token,
        "api_root": request.build_absolute_uri(reverse("api-docs")).removesuffix("docs/"),
    }
    return render(request, "accounts/api_token.html", context)


@require_POST
@login_required
def api_token_rotate_view(request: HttpRequest) -> HttpResponse:
    """Create the token, or replace it (the old one stops working at once)."""
    had_token = Token.objects.filter(user=request.user).exists()
    api_token_rotate(user=request.user)
    messages.success(request, "Your API token was replaced; the old one no longer works." if had_token
                     else "Your API token was created.")
    return redirect("api-token")


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Ask for the password, then delete the account and everything in it, log out and go home."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/account_delete.html", {"form": form}, status=400)
        user = request.user
        logout(request)
        user_delete(user=user)
        messages.success(request, "Your account, ratings and lists were deleted. Thank you for visiting.")
        return redirect("home")
    context = {"form": form, "rated": Rating.objects.filter(user=request.user).count()}
    return render(request, "accounts/account_delete.html", context)
