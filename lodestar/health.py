"""Liveness and readiness probes for load balancers and orchestrators.

``ProbeMiddleware`` answers them ahead of every other middleware: a load balancer probes by IP
over plain HTTP, so the probes must not depend on ALLOWED_HOSTS or the HTTPS redirect.
"""

import threading

from django.conf import settings
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request):
    """The process is up and serving; checks nothing else, so it never flaps with a dependency."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not ready"; the message says which
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"
    return None


def _within_timeout(check) -> str | None:
    """Run ``check`` in a daemon thread; a dependency that hangs reports instead of hanging
    the probe (the thread is abandoned and ends when the driver gives up)."""
    outcome: dict[str, str | None] = {}

    def run() -> None:
        try:
            outcome["problem"] = check()
        finally:
            connections.close_all()  # this thread's own connections only

    timeout = settings.READYZ_TIMEOUT_SECONDS
    thread = threading.Thread(target=run, name="readyz-check", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return f"TimeoutError: no answer within {timeout} s"
    return outcome.get("problem", "error: the check did not finish")


def _check_broker() -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.READYZ_TIMEOUT_SECONDS,
            socket_timeout=settings.READYZ_TIMEOUT_SECONDS,
        )
        client.ping()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


@require_safe
@never_cache
def readyz(request):
    """200 when the database (and the broker, if one is configured) answer; 503 naming the
    part that does not."""
    checks = {"database": _within_timeout(_check_database)}
    if settings.REDIS_URL:
        checks["broker"] = _check_broker()
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


class ProbeMiddleware:
    """Serves /healthz and /readyz before host validation, redirects and sessions."""

    probes = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
