"""Page helpers every app uses."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.shortcuts import redirect, render
from django_htmx.http import trigger_client_event

from products.forms import ConfirmVersionForm

from .concurrency import VersionConflict
from .forms import add_service_errors


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


def form_status(form, conflict=None) -> int:
    """A form page's status: 409 with a conflict panel, 400 with errors, else 200."""
    if conflict:
        return 409
    return 400 if form.errors else 200


def create_page(request, *, form, create, saved, template: str, context: dict):
    """The create flow of every form page: POST saves the valid form through ``create`` (a
    service, called with the form's values); ``saved(row)`` gives the success message and where
    to go next; otherwise the page shows the form (with errors, 400)."""
    if request.method == "POST" and form.is_valid():
        try:
            row = create(**form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message, url = saved(row)
            messages.success(request, message)
            return redirect(url)
    return render(request, template, {**context, "form": form}, status=form_status(form))


def delete_page(request, *, instance, delete, label: str, back_url: str):
    """The confirmed delete of every page: at the version the page showed, or nothing (a row
    already gone, or changed meanwhile, says so)."""
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The delete request was incomplete; nothing was deleted.")
        return redirect(back_url)
    try:
        delete(instance, expected_version=form.cleaned_data["version"])
    except VersionConflict as error:
        if error.current is None:
            messages.info(request, f"{label[0].upper()}{label[1:]} was already deleted.")
        else:
            messages.error(
                request,
                f"Someone changed {label} while you were looking at it; nothing was deleted. "
                "Check it and try again.",
            )
    else:
        messages.success(request, f"Deleted {label}.")
    return redirect(back_url)
