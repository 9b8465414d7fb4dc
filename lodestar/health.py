"""Liveness and readiness probes for load balancers and orchestrators.

``ProbeMiddleware`` answers them ahead of every other middleware: a load balancer probes by IP
over plain HTTP, so the probes must not depend on ALLOWED_HOSTS or the HTTPS redirect.
"""

import logging
import threading

import redis
from django.conf import settings
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    """The process is up and serving; checks nothing else, so it never flaps with a dependency."""
    return JsonResponse({"status": "ok"})


def _failure(part: str, error: Exception) -> str:
    """The probe is public: it names the kind of failure; host names and credentials that an
    error message may carry go to the log only."""
    logger.warning("readyz: %s check failed: %s", part, error)
    return type(error).__name__


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not ready"
        return _failure("database", error)
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
        logger.warning("readyz: a check gave no answer within %s s", timeout)
        return "TimeoutError"
    return outcome.get("problem", "error: the check did not finish")


def _check_broker() -> str | None:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.READYZ_TIMEOUT_SECONDS,
            socket_timeout=settings.READYZ_TIMEOUT_SECONDS,
        )
        client.ping()
    except Exception as error:
        return _failure("broker", error)
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
