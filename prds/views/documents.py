"""The PRD pages: list, create, the reading view engineers read at standup, the Markdown editor
with its live preview, status, history with diffs and restore, reviews, comments and templates.

Every view checks access first (404 for non-members, 403 below the role a write needs) and
writes only through ``prds.services`` with the version the page showed: a stale save merges a
colleague's change to other fields or shows the conflict, never overwrites. The reading page
shows stored HTML (rendered once per revision); only the editor's preview renders Markdown.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lodestar.concurrency import VersionConflict
from lodestar.forms import add_service_errors, conflict_rows, save_merging, saved_message
from lodestar.markdown import render as render_markdown
from products.activity import Actor
from products.forms import ConfirmVersionForm
from products.models import Role
from products.permissions import product_for

from .. import services
from ..diffs import side_by_side, word_diff
from ..forms import (
    CommentForm,
    PrdCreateForm,
    PrdEditForm,
    PreviewForm,
    ReviewRequestForm,
    ReviewSubmitForm,
    TemplateEditForm,
    TemplateForm,
    TransitionForm,
    document_field_token,
    document_field_value,
    document_members,
)
from ..models import (
    BODY_MAX_LENGTH,
    TRANSITIONS,
    Comment,
    Prd,
    PrdRevision,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)
from ..queries import Reading, prd_for_reading, prds_for_list, reading_for

STANDARD_TEMPLATE = "Standard PRD"
# How a button names each move of the workflow, by target status.
TRANSITION_LABELS = {
    PrdStatus.DRAFT: "Back to draft",
    PrdStatus.IN_REVIEW: "Ask for review",
    PrdStatus.APPROVED: "Approve",
    PrdStatus.SHIPPED: "Mark shipped",
    PrdStatus.SUPERSEDED: "Supersede…",
}


def _prd_for(product, prd_id, *, body: bool = True) -> Prd:
    prds = Prd.objects.select_related("owner")
    if not body:
        prds = prds.defer("body")  # the reading page shows the revision's stored HTML
    prd = get_object_or_404(prds, product=product, pk=prd_id)
    prd.product = product
    return prd


def _read_url(prd: Prd, anchor: str = "") -> str:
    url = reverse("prds:read", args=[prd.product_id, prd.pk])
    return f"{url}#{anchor}" if anchor else url


def _member_name(user) -> str:
    if user is None:
        return "someone who left"
    return user.get_full_name() or user.get_username()


# --- The list and creating a PRD ------------------------------------------------------------


@login_required
@require_GET
def prd_list(request, product_id):
    """The product's PRDs, newest change first, filtered by status through the URL."""
    product = product_for(request.user, product_id, Role.VIEWER)
    status = request.GET.get("status", "")
    prds = prds_for_list(product).defer(
        "body",
        "current_revision__body",
        "current_revision__body_html",
        "current_revision__toc",
    )
    if status in PrdStatus.values:
        prds = prds.filter(status=status)
    else:
        status = ""
    rows = list(prds)
    base = reverse("prds:list", args=[product.pk])
    filters = [("", "All", base, status == "")] + [
        (value, label, f"{base}?status={value}", status == value)
        for value, label in PrdStatus.choices
    ]
    return render(
        request,
        "prds/list.html",
        {
            "product": product,
            "prds": rows,
            "status": status,
            "status_label": PrdStatus(status).label if status else "",
            "filters": filters,
        },
    )


def _standard_template(templates: list[PrdTemplate]) -> PrdTemplate | None:
    return next((t for t in templates if t.is_builtin and t.name == STANDARD_TEMPLATE), None)


@login_required
@require_http_methods(["GET", "POST"])
def prd_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    templates = services.templates_for(product)
    initial = {"owner": request.user.pk}
    standard = _standard_template(list(templates))
    if standard is not None:
        initial["template"] = standard.pk
    form = PrdCreateForm(
        request.POST if request.method == "POST" else None,
        product=product,
        templates=templates,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prd = services.prd_create(
                by=Actor.web(request),
                product=product,
                title=data["title"],
                owner=data["owner"],
                template=data["template"],
                roadmap_items=data["roadmap_items"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Created “{prd.title}”. Write it here.")
            return redirect("prds:edit", product_id=product.pk, prd_id=prd.pk)
    return render(
        request,
        "prds/create.html",
        {"product": product, "form": form},
        status=400 if form.errors else 200,
    )


# --- The reading page -----------------------------------------------------------------------


def _transitions(prd: Prd, reading: Reading) -> list[dict]:
    """The moves the workflow allows from here, each with why it cannot be made yet (if so)."""
    moves = []
    for status in TRANSITIONS[prd.status]:
        reasons: list[str] = []
        if status == PrdStatus.APPROVED:
            reasons = services.approval_blockers(prd, reading.reviews)
        elif status == PrdStatus.IN_REVIEW and not reading.reviews:
            reasons = ["Request at least one reviewer first."]
        moves.append(
            {
                "value": status,
                "label": TRANSITION_LABELS[status],
                "target": PrdStatus(status).label,
                "reasons": reasons,
                "final": not TRANSITIONS[status],
                "primary": status in (PrdStatus.IN_REVIEW, PrdStatus.APPROVED, PrdStatus.SHIPPED),
            }
        )
    return moves


def _toc(reading: Reading) -> tuple[list[dict], list[dict]]:
    """The body's headings, then the fixed sections every PRD has."""
    entries = [dict(entry) for entry in (reading.revision.toc if reading.revision else [])]
    top = min((entry["level"] for entry in entries), default=2)
    for entry in entries:
        entry["depth"] = min(entry["level"] - top, 2)
    criteria = f"{reading.criteria_done}/{len(reading.criteria)}" if reading.criteria else ""
    comments = sum(thread.size for thread in reading.prd_threads)  # those the section shows
    fixed = [
        ("prd-criteria", "Acceptance criteria", criteria),
        ("prd-contracts", "API contracts", len(reading.contracts) or ""),
        ("prd-expectations", "Performance expectations", len(reading.expectations) or ""),
        ("prd-decisions", "Decisions", len(reading.decisions) or ""),
        ("prd-comments", "Comments", comments or ""),
    ]
    return entries, [{"id": id_, "title": title, "count": count} for id_, title, count in fixed]


def _reading_context(request, product, prd: Prd, **extra) -> dict:
    """The reading page's context; ``extra`` carries bound forms with errors after a POST."""
    reading = reading_for(prd)
    role = product.role
    mine = None
    if prd.status == PrdStatus.IN_REVIEW:
        mine = next((r for r in reading.reviews if r.reviewer_id == request.user.pk), None)
    body_toc, fixed_toc = _toc(reading)
    context = {
        "product": product,
        "prd": prd,
        "reading": reading,
        "role": role,
        "body_toc": body_toc,
        "fixed_toc": fixed_toc,
        "my_review": mine,
        "reviews_open": prd.status in (PrdStatus.DRAFT, PrdStatus.IN_REVIEW),
        "current_number": reading.revision.number if reading.revision else 0,
        "comment_error": None,
        # Reversed once: every thread's reply form and every criterion's comment form use it.
        "comment_add_url": reverse("prds:comment-add", args=[product.pk, prd.pk]),
    }
    if role.can_edit:
        context["transitions"] = _transitions(prd, reading)
        if context["reviews_open"] and "review_form" not in extra:
            asked = {review.reviewer_id for review in reading.reviews}
            members = [m for m in document_members(product) if m.pk not in asked]
            context["review_form"] = ReviewRequestForm(product=product, menu=members)
    if mine is not None and "verdict_form" not in extra:
        context["verdict_form"] = ReviewSubmitForm(initial={"version": mine.version})
    if role.can_contribute and "comment_form" not in extra:
        context["comment_form"] = CommentForm()
    context.update(extra)
    return context


@login_required
@require_GET
def prd_read(request, product_id, prd_id):
    """The reading view: header (status, owner, reviewers, roadmap items, actions), contents,
    the stored body, criteria, contracts, expectations, decisions and comments. Its query count
    does not grow with the PRD (see tests/prds/test_pages_documents.py)."""
    product = product_for(request.user, product_id, Role.VIEWER)
    prd = prd_for_reading(product, prd_id)
    if prd is None:
        raise Http404("No such PRD in this product.")
    return render(request, "prds/read.html", _reading_context(request, product, prd))


def _read_again(request, product, prd: Prd, **extra):
    """The reading page with a form's errors in place (400)."""
    return render(
        request, "prds/read.html", _reading_context(request, product, prd, **extra), status=400
    )


# --- Editing --------------------------------------------------------------------------------


def _conflict_display(name: str, value):
    if name == "owner":
        return _member_name(value)
    if name == "roadmap_items":
        return ", ".join(item.title for item in value) or "—"
    if name == "body":
        # Both texts in full, each in its own scroll box: the panel must not become a page.
        return format_html('<div class="prd-conflict-text">{}</div>', value or "—")
    return value


@login_required
@require_http_methods(["GET", "POST"])
def prd_edit(request, product_id, prd_id):
    """The Markdown editor with its live preview. A save crossing a colleague's merges the
    fields only one of them changed; when both changed the same field (the text, say), the
    conflict panel shows both versions and nothing is saved (409)."""
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id)
    conflict = body_diff = None
    status = 200
    preview = None
    if request.method == "POST":
        form = PrdEditForm(request.POST, product=product)
    else:
        items = document_field_value(prd, "roadmap_items")
        initial = {
            "title": prd.title,
            "owner": prd.owner_id,
            "roadmap_items": [item.pk for item in items],
            "body": prd.body,
            "version": prd.version,
            "original_title": prd.title,
            "original_owner": str(prd.owner_id),
            "original_roadmap_items": document_field_token(items),
            "original_body": prd.body,
        }
        form = PrdEditForm(product=product, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        summary = form.cleaned_data["summary"]
        actor = Actor.web(request)
        try:
            diff, merged = save_merging(
                lambda row, **kw: services.prd_update(prd=row, by=actor, summary=summary, **kw),
                prd,
                expected_version=form.cleaned_data["version"],
                values=values,
                originals=form.originals(),
                read=document_field_value,
                token=document_field_token,
                # The merged save goes against the row as it is now.
                retry_on=lambda current: current,
            )
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "This PRD was deleted meanwhile; nothing was saved.")
                return redirect("prds:list", product_id=product.pk)
            current = error.current
            current.product = product
            conflict = conflict_rows(
                form,
                values,
                current,
                error.clashes,
                read=document_field_value,
                token=document_field_token,
                show=_conflict_display,
            )
            if "body" in (error.clashes or ()):
                # What differs between the two texts, not only both of them in full.
                body_diff = side_by_side(current.body, document_field_token(values["body"]))
            form = PrdEditForm.rebased_on(values, current, product=product, summary=summary)
            prd = current
            preview = render_markdown(values["body"]).html
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message(diff, merged))
            return redirect(_read_url(prd))
    if form.is_bound and preview is None:
        # The unsaved text the form shows again: the preview shows it too (no more of it than
        # a PRD may hold: rendering is what a too-long text would make slow).
        preview = render_markdown(form.data.get("body", "")[:BODY_MAX_LENGTH]).html
    elif preview is None:
        revision = prd.current_revision
        preview = revision.body_html if revision else ""
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "prds/edit.html",
        {
            "product": product,
            "prd": prd,
            "form": form,
            "conflict": conflict,
            "body_diff": body_diff,
            "preview_html": preview,
            "discard_url": reverse("prds:edit", args=[product.pk, prd.pk]),
        },
        status=status,
    )


@login_required
@require_POST
def prd_preview(request, product_id, prd_id):
    """The editor's live preview (htmx): the posted text rendered as it would be saved. Never
    saves anything."""
    product = product_for(request.user, product_id, Role.EDITOR)
    get_object_or_404(Prd.objects.only("id"), product=product, pk=prd_id)
    form = PreviewForm(request.POST)
    if form.is_valid():
        html, error = render_markdown(form.cleaned_data["body"]).html, ""
    else:
        html, error = "", " ".join(form.errors.get("body", ["This text cannot be previewed."]))
    return render(request, "prds/edit.html#preview", {"preview_html": html, "preview_error": error})


# --- Status and deletion --------------------------------------------------------------------


@login_required
@require_POST
def prd_transition_view(request, product_id, prd_id):
    """Move the PRD along its workflow (editors). A refused move (approval without every
    reviewer, a disallowed step) shows the reading page with the reasons (400)."""
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id)  # the new revision stores the text too
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _read_again(
            request, product, prd, transition_errors=["Choose a status to move the PRD to."]
        )
    status = form.cleaned_data["status"]
    try:
        services.prd_transition(
            prd=prd,
            by=Actor.web(request),
            expected_version=form.cleaned_data["version"],
            status=status,
        )
    except VersionConflict:
        messages.error(
            request,
            "Someone changed this PRD while you were reading it; its status was not changed. "
            "Check it below and try again.",
        )
        return redirect(_read_url(prd))
    except ValidationError as error:
        return _read_again(request, product, prd, transition_errors=error.messages)
    messages.success(request, f"“{prd.title}” is now {PrdStatus(status).label.lower()}.")
    return redirect(_read_url(prd))


@login_required
@require_http_methods(["GET", "POST"])
def prd_delete_view(request, product_id, prd_id):
    """A confirmation page saying what goes with the PRD, then the delete (editors)."""
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id, body=False)
    if request.method == "POST":
        form = ConfirmVersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The delete request was incomplete; nothing was deleted.")
            return redirect(_read_url(prd))
        try:
            services.prd_delete(
                prd=prd, by=Actor.web(request), expected_version=form.cleaned_data["version"]
            )
        except VersionConflict:
            messages.error(
                request,
                "Someone changed this PRD while you were looking at it; nothing was deleted. "
                "Check it below and try again.",
            )
            return redirect(_read_url(prd))
        messages.success(request, f"Deleted “{prd.title}” with its history.")
        return redirect("prds:list", product_id=product.pk)
    losses = [
        (prd.revisions.count(), "revision", "revisions"),
        (prd.criteria.count(), "acceptance criterion", "acceptance criteria"),
        (prd.contracts.count(), "API contract", "API contracts"),
        (prd.expectations.count(), "performance expectation", "performance expectations"),
        (prd.decisions.count(), "decision", "decisions"),
        (prd.comments.count(), "comment", "comments"),
        (prd.reviews.count(), "review", "reviews"),
    ]
    return render(
        request,
        "prds/delete.html",
        {
            "product": product,
            "prd": prd,
            "losses": [
                f"{count} {one if count == 1 else many}" for count, one, many in losses if count
            ],
        },
    )


# --- History, compare, restore --------------------------------------------------------------


def _revisions_of(prd: Prd):
    return prd.revisions.select_related("author").defer("body", "body_html", "toc")


@login_required
@require_GET
def prd_history(request, product_id, prd_id):
    """Every revision, newest first, with a form to compare any two."""
    product = product_for(request.user, product_id, Role.VIEWER)
    prd = _prd_for(product, prd_id, body=False)
    revisions = list(_revisions_of(prd))
    return render(
        request,
        "prds/history.html",
        {
            "product": product,
            "prd": prd,
            "revisions": revisions,
            "default_from": revisions[1].number if len(revisions) > 1 else None,
            "default_to": revisions[0].number if revisions else None,
        },
    )


def _compare_error(request, product, prd, message: str, status: int):
    revisions = list(_revisions_of(prd))
    return render(
        request,
        "prds/compare.html",
        {
            "product": product,
            "prd": prd,
            "error": message,
            "revisions": revisions,
            "selected_from": revisions[1].number if len(revisions) > 1 else None,
            "selected_to": revisions[0].number if revisions else None,
        },
        status=status,
    )


@login_required
@require_GET
def prd_compare(request, product_id, prd_id):
    """Two revisions side by side (``?from=N&to=M``): the title, status and owner if they
    changed, and the text's changed lines with word-level highlights. Numbers that are not
    numbers get a 400 page, revisions that do not exist a 404 page, each saying so."""
    product = product_for(request.user, product_id, Role.VIEWER)
    prd = _prd_for(product, prd_id, body=False)
    raw = {key: request.GET.get(key, "").strip() for key in ("from", "to")}
    if not all(raw.values()):
        return _compare_error(request, product, prd, "Choose two revisions to compare.", 400)
    if not all(value.isdigit() and len(value) < 10 for value in raw.values()):
        return _compare_error(
            request, product, prd, "Revisions are numbered 1, 2, 3…; choose two of them.", 400
        )
    numbers = (int(raw["from"]), int(raw["to"]))
    found = {
        revision.number: revision
        for revision in prd.revisions.select_related("author").filter(number__in=numbers)
    }
    missing = [number for number in numbers if number not in found]
    if missing:
        return _compare_error(request, product, prd, f"This PRD has no revision {missing[0]}.", 404)
    old, new = found[numbers[0]], found[numbers[1]]
    fields = []
    for label, before, after in (
        ("Title", old.title, new.title),
        ("Status", old.get_status_display(), new.get_status_display()),
        ("Owner", old.owner_name, new.owner_name),
    ):
        if before != after:
            left, right = word_diff(before, after) if label == "Title" else (before, after)
            fields.append({"label": label, "old": left, "new": right})
    rows = side_by_side(old.body, new.body) if old.body != new.body else []
    revisions = list(_revisions_of(prd))
    return render(
        request,
        "prds/compare.html",
        {
            "product": product,
            "prd": prd,
            "old": old,
            "new": new,
            "old_label": f"Revision {old.number}",
            "new_label": f"Revision {new.number}",
            "fields": fields,
            "rows": rows,
            "added": sum(1 for row in rows if row.kind in ("insert", "replace")),
            "removed": sum(1 for row in rows if row.kind in ("delete", "replace")),
            "identical": not fields and not rows,
            "revisions": revisions,
            "selected_from": old.number,
            "selected_to": new.number,
        },
    )


@login_required
@require_GET
def prd_revision(request, product_id, prd_id, number):
    """One old revision as it read then (its stored HTML), with Restore for editors."""
    product = product_for(request.user, product_id, Role.VIEWER)
    prd = _prd_for(product, prd_id, body=False)
    revision = get_object_or_404(
        PrdRevision.objects.select_related("author"), prd=prd, number=number
    )
    latest = prd.current_revision_id == revision.pk
    previous = revision.number - 1 if revision.number > 1 else None
    current_number = (
        revision.number
        if latest
        else PrdRevision.objects.filter(pk=prd.current_revision_id)
        .values_list("number", flat=True)
        .first()
    )
    return render(
        request,
        "prds/revision.html",
        {
            "product": product,
            "prd": prd,
            "revision": revision,
            "is_current": latest,
            "previous": previous,
            "current_number": current_number,
            "role": product.role,
        },
    )


@login_required
@require_POST
def prd_restore_view(request, product_id, prd_id, number):
    """Make an old revision's title and text current again, as a new revision (editors),
    at the version the page showed."""
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id)
    revision = get_object_or_404(PrdRevision, prd=prd, number=number)
    form = ConfirmVersionForm(request.POST)
    back = reverse("prds:revision", args=[product.pk, prd.pk, number])
    if not form.is_valid():
        messages.error(request, "The restore request was incomplete; nothing was restored.")
        return redirect(back)
    try:
        diff = services.prd_restore(
            prd=prd,
            by=Actor.web(request),
            expected_version=form.cleaned_data["version"],
            revision=revision,
        )
    except VersionConflict:
        messages.error(
            request,
            "Someone changed this PRD since you opened this revision; nothing was restored. "
            "Look at the current text, then restore again if you still want to.",
        )
        return redirect(back)
    if not diff:
        messages.success(request, f"Revision {number} is what the PRD says already.")
    else:
        messages.success(
            request,
            f"Restored revision {number} as revision {prd.current_revision.number}.",
        )
    return redirect(_read_url(prd))


# --- Reviews --------------------------------------------------------------------------------


@login_required
@require_POST
def review_request_view(request, product_id, prd_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id, body=False)
    form = ReviewRequestForm(request.POST, product=product, menu=[])
    if form.is_valid():
        reviewer = form.cleaned_data["reviewer"]
        try:
            services.review_request(by=Actor.web(request), prd=prd, reviewer=reviewer)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Asked {_member_name(reviewer)} to review.")
            return redirect(_read_url(prd, "reviews"))
    asked = set(prd.reviews.values_list("reviewer_id", flat=True))
    menu = [member for member in document_members(product) if member.pk not in asked]
    form.fields["reviewer"].widget.choices = [
        ("", "Choose a member…"),
        *((member.pk, _member_name(member)) for member in menu),
    ]
    return _read_again(request, product, prd, review_form=form)


def _review_for(prd: Prd, review_id) -> Review:
    review = get_object_or_404(Review.objects.select_related("reviewer"), prd=prd, pk=review_id)
    review.prd = prd
    return review


@login_required
@require_POST
def review_submit_view(request, product_id, prd_id, review_id):
    """The requested reviewer's verdict; anyone else is refused (403), whatever their role."""
    product = product_for(request.user, product_id, Role.VIEWER)
    prd = _prd_for(product, prd_id, body=False)
    review = _review_for(prd, review_id)
    if review.reviewer_id != request.user.pk:
        raise PermissionDenied("Only the requested reviewer can give this review.")
    form = ReviewSubmitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_submit(
                review=review,
                by=Actor.web(request),
                expected_version=data["version"],
                verdict=data["verdict"],
                comment=data["comment"],
            )
        except VersionConflict:
            messages.error(
                request, "Your review changed meanwhile (another tab?); nothing was saved."
            )
            return redirect(_read_url(prd, "reviews"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verdict = "Approved" if data["verdict"] == Verdict.APPROVED else "Requested changes on"
            messages.success(request, f"{verdict} “{prd.title}”.")
            return redirect(_read_url(prd, "reviews"))
    return _read_again(request, product, prd, verdict_form=form)


@login_required
@require_POST
def review_withdraw_view(request, product_id, prd_id, review_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    prd = _prd_for(product, prd_id, body=False)
    review = _review_for(prd, review_id)
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The request was incomplete; nothing was withdrawn.")
        return redirect(_read_url(prd, "reviews"))
    try:
        services.review_withdraw(
            review=review, by=Actor.web(request), expected_version=form.cleaned_data["version"]
        )
    except VersionConflict:
        messages.error(
            request, "That review changed meanwhile (a verdict?); check it and try again."
        )
        return redirect(_read_url(prd, "reviews"))
    messages.success(request, f"Withdrew the review request to {_member_name(review.reviewer)}.")
    return redirect(_read_url(prd, "reviews"))


# --- Comments -------------------------------------------------------------------------------


@login_required
@require_POST
def comment_add(request, product_id, prd_id):
    """A comment on the PRD, on one criterion (``criterion``) or a reply (``parent``), by a
    contributor or above; back to the new comment's anchor."""
    product = product_for(request.user, product_id, Role.CONTRIBUTOR)
    prd = _prd_for(product, prd_id, body=False)
    form = CommentForm(request.POST)
    criterion_id = _int_or_none(request.POST.get("criterion"))
    parent_id = _int_or_none(request.POST.get("parent"))
    criterion = prd.criteria.filter(pk=criterion_id).first() if criterion_id else None
    parent = Comment.objects.filter(prd=prd, pk=parent_id).first() if parent_id else None
    if form.is_valid():
        if form.cleaned_data["criterion"] and criterion is None:
            form.add_error(None, "That criterion is not in this PRD (deleted meanwhile?).")
        if form.cleaned_data["parent"] and parent is None:
            form.add_error(None, "The comment you replied to is not on this PRD (deleted?).")
    if form.is_valid():
        try:
            comment = services.comment_create(
                by=Actor.web(request),
                prd=prd,
                body=form.cleaned_data["body"],
                criterion=criterion,
                parent=parent,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Comment posted.")
            return redirect(_read_url(prd, comment.anchor))
    # The refused comment goes back into the form it came from: a thread's reply, a criterion's
    # new thread, or (when what it named is not on this PRD) the PRD's own comment form.
    extra = {
        "comment_error": {
            "criterion": criterion.pk if criterion else None,
            "parent": parent.pk if parent else None,
            "form": form,
        }
    }
    if criterion is None and parent is None:
        extra["comment_form"] = form
    return _read_again(request, product, prd, **extra)


def _int_or_none(raw) -> int | None:
    return int(raw) if raw and str(raw).isdigit() and len(str(raw)) < 10 else None


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete_view(request, product_id, prd_id, comment_id):
    """Its author or an admin deletes a comment (with its replies), after a confirmation page."""
    product = product_for(request.user, product_id, Role.CONTRIBUTOR)
    prd = _prd_for(product, prd_id, body=False)
    comment = get_object_or_404(
        Comment.objects.select_related("author", "criterion"), prd=prd, pk=comment_id
    )
    comment.prd = prd
    if comment.author_id != request.user.pk and not product.role.can_admin:
        raise PermissionDenied("Only its author or an admin can delete a comment.")
    back = _read_url(prd, comment.criterion.anchor if comment.criterion_id else "prd-comments")
    if request.method == "POST":
        form = ConfirmVersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The delete request was incomplete; nothing was deleted.")
            return redirect(back)
        try:
            services.comment_delete(
                comment=comment,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                role=product.role,
            )
        except VersionConflict:
            messages.error(request, "That comment changed or went meanwhile; nothing was deleted.")
            return redirect(back)
        messages.success(request, "Comment deleted.")
        return redirect(back)
    replies = _reply_count(comment)
    return render(
        request,
        "prds/comment_delete.html",
        {"product": product, "prd": prd, "comment": comment, "replies": replies, "back": back},
    )


def _reply_count(comment: Comment) -> int:
    """How many comments go with this one (its replies, and theirs)."""
    links = dict(Comment.objects.filter(prd_id=comment.prd_id).values_list("pk", "parent_id"))
    below = {comment.pk}
    changed = True
    while changed:
        changed = False
        for pk, parent in links.items():
            if parent in below and pk not in below:
                below.add(pk)
                changed = True
    return len(below) - 1


# --- Templates ------------------------------------------------------------------------------


def _template_for(product, template_id) -> PrdTemplate:
    return get_object_or_404(
        PrdTemplate.objects.filter(Q(product=product) | Q(product=None)), pk=template_id
    )


@login_required
@require_GET
def template_list(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    templates = list(services.templates_for(product))
    return render(
        request,
        "prds/templates.html",
        {
            "product": product,
            "builtin": [t for t in templates if t.is_builtin],
            "own": [t for t in templates if not t.is_builtin],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create_view(request, product_id):
    """A new template for the product; ``?from=<id>`` starts from a copy of another."""
    product = product_for(request.user, product_id, Role.EDITOR)
    initial = {}
    source_id = request.GET.get("from", "")
    if source_id.isdigit() and len(source_id) < 10:
        source = PrdTemplate.objects.filter(
            Q(product=product) | Q(product=None), pk=int(source_id)
        ).first()
        if source is not None:
            initial = {
                "name": f"{source.name} (copy)",
                "description": source.description,
                "body": source.body,
            }
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                by=Actor.web(request), product=product, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added the template “{template.name}”.")
            return redirect("prds:templates", product_id=product.pk)
    return render(
        request,
        "prds/template_form.html",
        {"product": product, "form": form, "template": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, product_id, template_id):
    """Edit the product's own template (editors); built-in ones are shown read-only, with a
    way to copy them."""
    product = product_for(request.user, product_id, Role.EDITOR)
    template = _template_for(product, template_id)
    if template.is_builtin:
        if request.method == "POST":
            raise PermissionDenied("Built-in templates cannot be changed; make a copy instead.")
        return render(
            request, "prds/template_builtin.html", {"product": product, "template": template}
        )
    conflict = None
    status = 200
    if request.method == "POST":
        form = TemplateEditForm(request.POST)
    else:
        form = TemplateEditForm(
            initial={
                "name": template.name,
                "description": template.description,
                "body": template.body,
                **TemplateEditForm.initial_for(template),
            }
        )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        actor = Actor.web(request)
        try:
            diff, merged = save_merging(
                lambda row, **kw: services.template_update(template=row, by=actor, **kw),
                template,
                expected_version=form.cleaned_data["version"],
                values=values,
                originals=form.originals(),
                retry_on=lambda current: current,
            )
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "This template was deleted meanwhile; nothing was saved.")
                return redirect("prds:templates", product_id=product.pk)
            conflict = conflict_rows(
                form, values, error.current, error.clashes, show=_conflict_display
            )
            form = TemplateEditForm.rebased(values, error.current)
            template = error.current
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message(diff, merged))
            return redirect("prds:templates", product_id=product.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "prds/template_form.html",
        {
            "product": product,
            "form": form,
            "template": template,
            "conflict": conflict,
            "discard_url": reverse("prds:template-edit", args=[product.pk, template.pk]),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_delete_view(request, product_id, template_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    template = _template_for(product, template_id)
    if template.is_builtin:
        raise PermissionDenied("Built-in templates cannot be deleted.")
    if request.method == "POST":
        form = ConfirmVersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The delete request was incomplete; nothing was deleted.")
            return redirect("prds:templates", product_id=product.pk)
        try:
            services.template_delete(
                template=template,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
            )
        except VersionConflict:
            messages.error(request, "Someone changed this template meanwhile; nothing was deleted.")
            return redirect("prds:templates", product_id=product.pk)
        messages.success(request, f"Deleted the template “{template.name}”.")
        return redirect("prds:templates", product_id=product.pk)
    return render(request, "prds/template_delete.html", {"product": product, "template": template})
