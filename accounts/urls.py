from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
         name="login"),
    # Django's LogoutView only accepts POST: the header's log-out button is a small form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
