"""Page helpers every app uses."""

from typing import Any

from django.db.models import Model
from django_htmx.http import trigger_client_event


def show_once(request, session_key: str, row: Model, secret: str) -> None:
    """Keep a new secret (an API token, a share link's token) for the page after the redirect.

    It travels through the session and is popped on display: the create request redirects, so
    reloading that page can neither create a second one nor show this one again."""
    request.session[session_key] = {"id": row.pk, "secret": secret}


def shown_once(request, session_key: str, rows: list[Model]) -> tuple[Any, str | None]:
    """The row created just before (one of ``rows``) and its secret, once; else (None, None)."""
    created = request.session.pop(session_key, None) if request.method == "GET" else None
    row = next((row for row in rows if created and row.pk == created["id"]), None)
    return row, created["secret"] if row else None


def no_store(response, when: bool = True):
    """Keep a page that shows a secret out of every cache."""
    if when:
        response["Cache-Control"] = "no-store"
    return response


def with_toast(response, text: str, *, error: bool = False):
    """Announce an htmx swap's outcome in the toast region (a live region, so screen readers
    hear what the swapped row shows)."""
    level = "error" if error else "success"
    return trigger_client_event(response, "lodestar:toast", {"level": level, "text": text})
