"""/healthz and /readyz: what load balancers and orchestrators see.

Failure cases need other settings than the test process has (an unreachable database, a dead
broker, production HTTPS settings), and settings are read once at start, so those requests
run in a fresh Python process with its own environment.
"""

import json
import socket
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import django_env, output_of, production_env, run_python

_REQUEST_SCRIPT = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
for path in sys.argv[1:]:
    response = client.get(path)
    print("RESPONSE " + json.dumps({
        "path": path,
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": response.content.decode(errors="replace"),
    }), flush=True)
"""


def get_in_subprocess(env: dict[str, str], *paths: str, timeout: float = 30) -> dict[str, dict]:
    """GET each path with django.test.Client in a new process; responses by path."""
    completed = run_python(["-c", _REQUEST_SCRIPT, *paths], env, timeout=timeout)
    responses = {}
    for line in completed.stdout.splitlines():
        if line.startswith("RESPONSE "):
            response = json.loads(line.removeprefix("RESPONSE "))
            responses[response["path"]] = response
    assert completed.returncode == 0 and set(responses) == set(paths), output_of(completed)
    return responses


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers: a hung server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


# --- In this process: the test database -----------------------------------------------------


def test_healthz_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_on_the_test_database(db, client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    # The broker is checked exactly when one is configured.
    if settings.REDIS_URL:
        assert body["checks"]["broker"] == "ok"
    else:
        assert "broker" not in body["checks"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_take_get_and_head_only(db, client, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


# --- In a subprocess: failing dependencies --------------------------------------------------


def test_readyz_is_503_naming_the_database_when_it_is_unreachable():
    env = django_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")

    response = get_in_subprocess(env, "/readyz")["/readyz"]

    assert response["status"] == 503, response
    body = json.loads(response["body"])
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] != "ok"
    assert body["checks"]["database"].startswith("OperationalError"), body
    assert "broker" not in body["checks"]  # no REDIS_URL, no broker to check


def test_readyz_is_503_naming_the_broker_when_redis_is_unreachable(tmp_path):
    env = django_env(
        DATABASE_URL=sqlite_url(tmp_path / "ready.sqlite3"), REDIS_URL="redis://127.0.0.1:1/0"
    )

    response = get_in_subprocess(env, "/readyz")["/readyz"]

    assert response["status"] == 503, response
    body = json.loads(response["body"])
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"
    assert "ConnectionError" in body["checks"]["broker"], body


def test_readyz_gives_up_on_a_hung_broker_within_its_timeout(tmp_path, silent_server):
    env = django_env(
        DATABASE_URL=sqlite_url(tmp_path / "ready.sqlite3"),
        REDIS_URL=f"redis://127.0.0.1:{silent_server}/0",
    )

    # READYZ_TIMEOUT_SECONDS is 2; a probe must answer before the orchestrator gives up.
    response = get_in_subprocess(env, "/readyz", timeout=15)["/readyz"]

    assert response["status"] == 503, response
    body = json.loads(response["body"])
    assert body["checks"]["database"] == "ok"
    assert "Timeout" in body["checks"]["broker"], body


def test_readyz_gives_up_on_a_hung_database_within_its_timeout(silent_server):
    env = django_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent_server}/hung")

    response = get_in_subprocess(env, "/readyz", timeout=5)["/readyz"]

    assert response["status"] == 503, response
    assert json.loads(response["body"])["checks"]["database"] != "ok"


# --- In a subprocess: production HTTPS settings ----------------------------------------------


def test_probes_are_exempt_from_the_https_redirect_in_production(tmp_path):
    responses = get_in_subprocess(
        production_env(tmp_path, DJANGO_ALLOWED_HOSTS="testserver"),
        "/healthz",
        "/readyz",
        "/accounts/login/",
    )

    # Load balancers probe over plain HTTP: the probes answer there...
    assert responses["/healthz"]["status"] == 200, responses["/healthz"]
    assert json.loads(responses["/healthz"]["body"]) == {"status": "ok"}
    assert responses["/readyz"]["status"] == 200, responses["/readyz"]
    assert json.loads(responses["/readyz"]["body"])["checks"]["database"] == "ok"
    # ...while every page is sent to HTTPS.
    login = responses["/accounts/login/"]
    assert login["status"] == 301, login
    assert login["headers"]["Location"] == "https://testserver/accounts/login/"


def test_probes_answer_whatever_host_the_load_balancer_uses(db, client, settings):
    settings.ALLOWED_HOSTS = ["lodestar.example.com"]
    # Load balancers and container health checks probe by IP; pages still refuse such a host.
    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.0.3.7:8000").status_code == 400
