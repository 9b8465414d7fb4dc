"""Settings from the environment: production passes `check --deploy`, bad values stop the start
with a message naming the variable, and the security headers and cookies are really sent.

Settings are read once per process, so each environment is tried in a fresh one.
"""

import json
import re
import secrets

import pytest

from tests.processes import (
    PROJECT_ROOT,
    django_env,
    output_of,
    production_env,
    run_python,
)

MANAGE_PY = PROJECT_ROOT / "manage.py"
PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


# --- manage.py check -------------------------------------------------------------------------


def test_production_settings_pass_the_deploy_check(tmp_path):
    secret_key = secrets.token_urlsafe(45)
    assert len(secret_key) == 60
    env = production_env(tmp_path, DJANGO_SECRET_KEY=secret_key)

    completed = run_python([str(MANAGE_PY), "check", "--deploy", "--fail-level", "WARNING"], env)

    assert completed.returncode == 0, output_of(completed)
    assert "no issues" in completed.stdout, output_of(completed)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        pytest.param({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY", id="no-secret-key"),
        pytest.param({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG", id="debug-not-a-bool"),
        pytest.param({"EMAIL_PORT": "abc"}, "EMAIL_PORT", id="email-port-not-a-number"),
        pytest.param({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS", id="tls-not-a-bool"),
        pytest.param({"DATABASE_URL": "not-a-url"}, "DATABASE_URL", id="database-url"),
        pytest.param(
            {"DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE", id="conn-max-age"
        ),
        pytest.param({"DJANGO_LOG_LEVEL": "loud"}, "DJANGO_LOG_LEVEL", id="log-level"),
        pytest.param({"DJANGO_TIME_ZONE": "Nope/Nowhere"}, "DJANGO_TIME_ZONE", id="time-zone"),
        pytest.param(
            {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 60, "DJANGO_HSTS_SECONDS": "-5"},
            "DJANGO_HSTS_SECONDS",
            id="negative-hsts",
        ),
        pytest.param(
            {"CELERY_TASK_TIME_LIMIT": "10"}, "CELERY_TASK_TIME_LIMIT", id="task-time-limit"
        ),
    ],
)
def test_a_bad_setting_stops_the_start_naming_the_variable(tmp_path, variables, named):
    env = django_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(variables)

    completed = run_python([str(MANAGE_PY), "check"], env)

    assert completed.returncode != 0, output_of(completed)
    assert "ImproperlyConfigured" in completed.stderr, output_of(completed)
    assert named in completed.stderr, output_of(completed)


# --- Content-Security-Policy -----------------------------------------------------------------


def _assert_strict_script_policy(response, path: str) -> None:
    assert response.status_code == 200, (path, response.status_code)
    header = response.get("Content-Security-Policy")
    assert header, f"{path} has no Content-Security-Policy header"
    directives = csp_directives(header)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{path}: the policy does not restrict scripts: {header}"
    assert "'unsafe-inline'" not in script_src, f"{path}: {header}"
    assert "'unsafe-eval'" not in script_src, f"{path}: {header}"
    assert directives.get("object-src") == "'none'", header
    assert directives.get("frame-ancestors") == "'none'", header
    # The policy would block an inline script; the page must not need one.
    if response["Content-Type"].startswith("text/html"):
        inline_scripts = re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", response.content.decode())
        assert not inline_scripts, f"{path} has inline scripts: {inline_scripts}"


def test_the_login_page_sends_a_strict_content_security_policy(client):
    _assert_strict_script_policy(client.get("/accounts/login/"), "/accounts/login/")


def test_member_pages_send_a_strict_content_security_policy(client, team):
    client.force_login(team.admin)
    product = team.product.pk
    paths = [
        "/",
        "/products/",
        f"/products/{product}/",
        f"/products/{product}/members/",
        f"/products/{product}/activity/",
        f"/products/{product}/settings/",
        "/settings/tokens/",
        "/accounts/password/",
    ]
    for path in paths:
        _assert_strict_script_policy(client.get(path, follow=True), path)


def test_the_api_docs_relax_only_styles(client, db):
    response = client.get("/api/docs/")

    _assert_strict_script_policy(response, "/api/docs/")
    directives = csp_directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in directives["style-src"]  # Swagger UI's inline styles


def test_api_responses_carry_the_policy_too(client, team):
    client.force_login(team.viewer)

    response = client.get(f"/api/v1/products/{team.product.pk}/", HTTP_ACCEPT="application/json")

    _assert_strict_script_policy(response, "/api/v1/products/<id>/")


# --- Production cookies and HSTS -------------------------------------------------------------

_PRODUCTION_LOGIN_SCRIPT = """
import json, sys
import django
from django.conf import settings
django.setup()
# Production serves hashed static files that `collectstatic` writes at image build time (see
# the Dockerfile); rendering a page here needs only their names, not the collected files.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0, interactive=False)
get_user_model().objects.create_user("ada", password=sys.argv[1])

def describe(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
                   "samesite": morsel["samesite"]}
            for name, morsel in response.cookies.items()
        },
    }

client = Client(HTTP_HOST="lodestar.example.com")
page = client.get("/accounts/login/", secure=True)
login = client.post(
    "/accounts/login/", {"username": "ada", "password": sys.argv[1]}, secure=True
)
print("RESULT " + json.dumps({"page": describe(page), "login": describe(login)}))
"""


def test_production_cookies_are_secure_and_hsts_is_sent(tmp_path):
    completed = run_python(["-c", _PRODUCTION_LOGIN_SCRIPT, PASSWORD], production_env(tmp_path))
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, output_of(completed)
    result = json.loads(lines[0].removeprefix("RESULT "))
    page, login = result["page"], result["login"]

    assert page["status"] == 200, output_of(completed)
    hsts = page["headers"]["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts
    assert page["cookies"]["csrftoken"]["secure"], page["cookies"]

    assert login["status"] == 302, output_of(completed)
    assert "Strict-Transport-Security" in login["headers"]
    session = login["cookies"]["sessionid"]
    assert session["secure"], login["cookies"]
    assert session["httponly"], login["cookies"]
    assert login["cookies"]["csrftoken"]["secure"], login["cookies"]  # rotated at login
