"""Password-reset mail goes to the console by default and to SMTP when the environment names a server.

Settings are read at start-up, so each case starts Django in a fresh process with its own environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
EMAIL_VARIABLES = ("EMAIL_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
                   "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL")
NAMES = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
         "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL"]


def email_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in EMAIL_VARIABLES}
    environment.update(DJANGO_SETTINGS_MODULE="moviesite.settings.dev", **env)
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{name: getattr(settings, name) for name in {NAMES!r}}}))")
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True,
                          text=True, timeout=120)


def loaded(**env: str) -> dict:
    result = email_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_mail_is_printed_on_the_console():
    assert loaded()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_an_email_url_names_the_smtp_server_and_the_sender_comes_from_the_environment():
    settings = loaded(EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587",
                      DEFAULT_FROM_EMAIL="Movies <movies@example.com>")

    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587, "EMAIL_HOST_USER": "mailer", "EMAIL_HOST_PASSWORD": "s3cret", "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False, "DEFAULT_FROM_EMAIL": "Movies <movies@example.com>",
    }


def test_email_host_and_its_companions_name_the_smtp_server_too():
    settings = loaded(EMAIL_HOST="mail.example.org", EMAIL_PORT="465", EMAIL_USE_TLS="false", EMAIL_USE_SSL="true",
                      EMAIL_HOST_USER="me")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    server = (settings["EMAIL_HOST"], settings["EMAIL_PORT"], settings["EMAIL_HOST_USER"])
    assert server == ("mail.example.org", 465, "me")
    assert (settings["EMAIL_USE_TLS"], settings["EMAIL_USE_SSL"]) == (False, True)


@pytest.mark.parametrize("env", [{"EMAIL_HOST": "mail.example.org", "EMAIL_USE_SSL": "true"},
                                 {"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": "twenty-five"}])
def test_a_contradictory_or_malformed_setting_stops_start_up(env):
    result = email_settings(**env)

    assert result.returncode != 0
    assert "EMAIL_" in result.stderr.strip().splitlines()[-1]
