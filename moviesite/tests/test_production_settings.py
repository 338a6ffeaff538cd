"""Production settings, loaded in a fresh process as a deployment would (this run uses the test settings)."""
from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "moviesite.settings.production",
    "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)),
    "ALLOWED_HOSTS": "example.com",
    "ADMIN_URL": "control-room-x7/",
}
# Values a developer's shell may hold that would change what production settings load.
UNSET = ("DATABASE_URL", "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_SSL_REDIRECT")


def run(args: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """Run `python <args>` in the project with production settings, `env` changing them (None unsets)."""
    environment = {key: value for key, value in os.environ.items() if key not in UNSET}
    environment.update(PRODUCTION_ENV)
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True,
                          timeout=120)


def load(names: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """Start Django with production settings and print the named settings and the admin's path as JSON."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; from django.urls import reverse; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}} | "
        "{'admin': reverse('admin:index')}))"
    )
    return run(["-c", code], **env)


def test_the_deploy_check_passes_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_stops_start_up_with_a_clear_message():
    dotenv = BASE_DIR / ".env"  # base settings read it too
    if dotenv.exists() and "SECRET_KEY" in dotenv.read_text():
        pytest.skip(".env sets SECRET_KEY, so it is not missing")

    result = load(["DEBUG"], SECRET_KEY=None)

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be at least 50 random characters"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be at least 50 random characters"),
        ({"ADMIN_URL": "admin/"}, "ADMIN_URL must be a hard-to-guess path"),
        ({"ADMIN_URL": "control-room"}, "ADMIN_URL must be a hard-to-guess path"),
        ({"ADMIN_URL": None}, "Set the ADMIN_URL environment variable"),
        ({"ALLOWED_HOSTS": None}, "Set the ALLOWED_HOSTS environment variable"),
        ({"API_THROTTLE_ANON": "lots"}, "API_THROTTLE_ANON must look like 300/min"),
    ],
)
def test_weak_or_missing_values_stop_start_up_naming_the_setting(env, message):
    result = load(["DEBUG"], **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_it_turns_debug_off_and_cookies_secure_with_configurable_hsts_and_a_hidden_admin():
    result = load(
        ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_PRELOAD"],
        DEBUG="true", SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="true",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 600, "SECURE_HSTS_PRELOAD": True, "admin": "/control-room-x7/",
    }


# --- docker-compose.yml ---------------------------------------------------------------------

COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<text>[^}]*))?\}")


def compose_environment() -> dict[str, str]:
    """The environment docker-compose.yml gives the web, worker and beat containers, as written."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    return {name: str(value) for name, value in compose["x-app"]["environment"].items()}


def test_docker_compose_runs_the_production_settings_with_secrets_required_from_the_environment():
    environment = compose_environment()

    assert environment["DJANGO_SETTINGS_MODULE"] == "moviesite.settings.production"
    for name in ("SECRET_KEY", "ADMIN_URL"):
        variable = COMPOSE_VARIABLE.fullmatch(environment[name])
        assert variable and variable["name"] == name and variable["kind"] == "?", f"{name} must have no default"


def test_the_deploy_check_passes_with_the_settings_docker_compose_gives():
    secrets_given = {"SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"], "ADMIN_URL": "control-room-x7/"}

    def resolve(value: str) -> str:
        def one(variable: re.Match) -> str:
            if variable["name"] in secrets_given:
                return secrets_given[variable["name"]]
            assert variable["kind"] == "-", f"{variable['name']} is required but this test gives no value"
            return variable["text"]

        return COMPOSE_VARIABLE.sub(one, value)

    environment = {name: resolve(value) for name, value in compose_environment().items()}
    environment["DATA_DIR"] = str(BASE_DIR / "data")  # /data exists only in the container

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
