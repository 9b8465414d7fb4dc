"""The PRD's structured parts: acceptance criteria (a checklist with inline status, drag to
reorder), API contracts (endpoints, revisions, breaking changes), performance expectations and
decisions. The reading page includes their sections (templates/prds/parts/); these views are
their forms and the endpoints the section's controls post to.

Every view checks access first (404 for non-members, 403 for a role too low: a criterion's
status needs a contributor, everything else that writes an editor) and writes only through
``prds.services`` with the version the page showed: a stale save gets the conflict, never an
overwrite.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lodestar.concurrency import VersionConflict
from lodestar.forms import MERGED_MESSAGE, add_service_errors, merge_three_way
from lodestar.views import create_page, delete_page, form_status, with_toast
from products.activity import Actor
from products.models import Role
from products.permissions import product_for

from .. import contracts, services
from ..diffs import side_by_side
from ..forms import (
    DECISION_COLUMNS,
    ContractCompareForm,
    ContractEditForm,
    ContractForm,
    CriterionEditForm,
    CriterionForm,
    CriterionMoveForm,
    CriterionStatusForm,
    DecisionEditForm,
    DecisionForm,
    ExpectationEditForm,
    ExpectationForm,
    part_token,
)
from ..models import (
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    CriterionKind,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
    Prd,
)
from ..queries import reading_for

CRITERIA = "prds/parts/_criteria.html"

# --- Shared steps -------------------------------------------------------------------------------


def _prd_for(request, product_id, prd_id, minimum: Role) -> Prd:
    """The PRD, after the access check; ``prd.product`` is the checked product (with .role)."""
    product = product_for(request.user, product_id, minimum)
    # The body can be 20,000 words; none of the parts' pages shows it.
    prd = get_object_or_404(Prd.objects.filter(product=product).defer("body"), pk=prd_id)
    prd.product = product
    return prd


def _part_of(prd: Prd, model, pk):
    """One row of the PRD's ``model`` (a row of another PRD is not here: 404)."""
    row = get_object_or_404(model.objects.filter(prd=prd), pk=pk)
    row.prd = prd
    return row


def _read_url(prd: Prd, anchor: str = "") -> str:
    url = reverse("prds:read", args=[prd.product_id, prd.pk])
    return f"{url}#{anchor}" if anchor else url


def _base_context(prd: Prd, **extra) -> dict:
    return {"prd": prd, "product": prd.product, "role": prd.product.role, **extra}


def _shown(value: Any) -> str:
    """A value as the conflict panel shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):  # a decision's options
        return "\n".join(
            f"{option['name']}: "
            + "; ".join(f"{label.lower()} {option[key]}" for key, label in DECISION_COLUMNS)
            for option in value
        )
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.get_username()
    return part_token(value)


def _conflict_rows(form, yours: dict, current, clashes: list[str] | None) -> list[dict]:
    """Yours against theirs, one row per field both sides have a value for, for
    components/conflict.html (a choice shows its label)."""
    labels = {"options": "Options"}
    rows = []
    for name, mine in yours.items():
        theirs = getattr(current, name)
        field = form.fields.get(name)
        plain_choice = isinstance(field, forms.ChoiceField) and not isinstance(
            field, forms.ModelChoiceField
        )
        choices = dict(field.choices) if plain_choice else {}

        def show(value, choices=choices):
            return str(choices[value]) if choices and value in choices else _shown(value)

        clash = name in clashes if clashes is not None else part_token(mine) != part_token(theirs)
        if not clash and _shown(mine) == _shown(theirs) == "—":
            continue
        label = labels.get(name) or (field.label if field and field.label else None)
        rows.append(
            {
                "label": label or name.replace("_", " ").capitalize(),
                "yours": show(mine),
                "theirs": show(theirs),
                "clash": clash,
            }
        )
    return rows


def _edit_page(
    request,
    *,
    prd: Prd,
    instance,
    form_class,
    update: Callable[..., Any],
    template: str,
    context: dict,
    saved: Callable[[Any, dict, bool], tuple[str, str]],
    gone_url: str,
    form_kwargs: dict | None = None,
    attach: Callable[[Any], Any] | None = None,
):
    """GET shows the form; POST saves through ``update(row, expected_version=..., **values)``.
    A colleague's save meanwhile is merged when it touched other fields; fields both changed
    show the conflict panel (409) with the form rebased on what is saved now. ``attach`` gives
    a freshly read row what the service and the form read of it (default: its PRD)."""
    form_kwargs = form_kwargs or {}
    attach = attach or _attach_to(prd)
    conflict = None
    if request.method != "POST":
        form = form_class.for_instance(instance, **form_kwargs)
    else:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            values = form.values()
            try:
                result, merged = _save_merging(update, instance, form, values, attach)
            except VersionConflict as error:
                current = error.current
                if current is None:
                    messages.error(request, "It was deleted meanwhile; nothing was saved.")
                    return redirect(gone_url)
                current = attach(current)
                conflict = _conflict_rows(form, values, current, error.clashes)
                form = form_class.rebased_on(values, current, **form_kwargs)
                context = {**context, "current": current}
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                message, url = saved(result, values, merged)
                messages.success(request, message)
                return redirect(url)
    context = _base_context(prd, form=form, conflict=conflict, discard_url=request.path, **context)
    return render(request, template, context, status=form_status(form, conflict))


def _attach_to(prd: Prd) -> Callable[[Any], Any]:
    def attach(row):
        row.prd = prd
        return row

    return attach


def _save_merging(update, instance, form, values: dict, attach) -> tuple[Any, bool]:
    """``update`` at the version the page showed; when a colleague saved meanwhile, again with
    their changes to the fields this user left alone (a three-way merge against what the page
    showed). Raises VersionConflict with ``clashes`` for fields both changed, or without them
    when the row is gone or changed again during the merged save."""
    try:
        return update(instance, expected_version=form.cleaned_data["version"], **values), False
    except VersionConflict as error:
        current = error.current
        if current is None:
            raise
        current = attach(current)
        originals = form.originals()
        merged, clashes = merge_three_way(
            original=originals,
            yours={name: part_token(value) for name, value in values.items()},
            theirs={name: part_token(getattr(current, name)) for name in values},
        )
        for name in values:
            if merged[name] != part_token(values[name]):
                values[name] = getattr(current, name)
        if clashes:
            raise VersionConflict(current, clashes=clashes) from None
        return update(current, expected_version=current.version, **values), True


# --- Acceptance criteria ------------------------------------------------------------------------


def _criterion_label(criterion: AcceptanceCriterion) -> str:
    return f"criterion “{criterion}”"


@login_required
@require_http_methods(["GET", "POST"])
def criterion_create_view(request, product_id, prd_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in CriterionKind.values else {}
    return create_page(
        request,
        context=_base_context(prd),
        form=CriterionForm(request.POST or None, initial=initial),
        create=lambda **values: services.criterion_create(by=Actor.web(request), prd=prd, **values),
        saved=lambda criterion: (
            "Added the acceptance criterion.",
            _read_url(prd, criterion.anchor),
        ),
        template="prds/parts/criterion_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request, product_id, prd_id, criterion_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    criterion = _part_of(prd, AcceptanceCriterion, criterion_id)
    return _edit_page(
        request,
        prd=prd,
        instance=criterion,
        form_class=CriterionEditForm,
        update=lambda row, **kw: services.criterion_update(
            criterion=row, by=Actor.web(request), **kw
        ),
        template="prds/parts/criterion_form.html",
        context={"criterion": criterion},
        saved=lambda _, values, merged: (
            MERGED_MESSAGE if merged else "Saved the acceptance criterion.",
            _read_url(prd, criterion.anchor),
        ),
        gone_url=_read_url(prd, "criteria"),
    )


def _criterion_row(request, prd, criterion, *, status=200, row_error=None, toast=""):
    """The criterion's swappable part (its status, text and controls) and, out of band, the
    criteria's progress."""
    statuses = list(prd.criteria.values_list("status", flat=True))
    context = _base_context(
        prd, criterion=criterion, row_error=row_error, row_saved=not row_error, statuses=statuses
    )
    response = render(request, f"{CRITERIA}#criterion-update", context, status=status)
    return with_toast(response, toast, error=bool(row_error))


@login_required
@require_POST
def criterion_status(request, product_id, prd_id, criterion_id):
    """A contributor marks a criterion open, met, not met or waived: the criterion's row for
    htmx (409 with the saved status when someone changed it meanwhile), else a redirect."""
    prd = _prd_for(request, product_id, prd_id, Role.CONTRIBUTOR)
    criterion = _part_of(prd, AcceptanceCriterion, criterion_id)
    form = CriterionStatusForm(request.POST)
    row_error = None
    status = 200
    if not form.is_valid():
        row_error = "Not saved: choose open, met, not met or waived."
        status = 400
    else:
        wanted = CriterionStatus(form.cleaned_data["status"])
        try:
            services.criterion_update(
                criterion=criterion,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                status=wanted,
            )
        except VersionConflict as error:
            current = error.current
            if current is None:
                if request.htmx:
                    response = render(
                        request, f"{CRITERIA}#criterion-gone", {"criterion": criterion}, status=409
                    )
                    return with_toast(response, "That criterion was deleted meanwhile.", error=True)
                messages.error(request, "That criterion was deleted meanwhile.")
                return redirect(_read_url(prd, "criteria"))
            current.prd = prd
            row_error = (
                f"Not saved: someone changed this criterion meanwhile; it is now "
                f"“{current.get_status_display()}”. Choose “{wanted.label}” again to keep yours."
            )
            criterion = current
            status = 409
        except ValidationError as error:
            row_error = "Not saved: " + " ".join(error.messages)
            status = 400
    if not request.htmx:
        if row_error:
            messages.error(request, row_error)
        else:
            messages.success(request, f"Marked the criterion {criterion.get_status_display()}.")
        return redirect(_read_url(prd, criterion.anchor))
    toast = row_error or f"Criterion marked “{criterion.get_status_display()}”."
    return _criterion_row(request, prd, criterion, status=status, row_error=row_error, toast=toast)


_IN_PLACE = object()


def _move_after(criterion: AcceptanceCriterion, form: CriterionMoveForm):
    """The criterion to put ``criterion`` after (None: first), from a drag (``after``) or a
    keyboard step, read against the order saved now; ``_IN_PLACE`` when it is already there."""
    others = list(
        AcceptanceCriterion.objects.filter(prd_id=criterion.prd_id)
        .exclude(pk=criterion.pk)
        .order_by("rank", "id")
        .only("id", "rank", "prd_id")
    )
    above = [row for row in others if (row.rank, row.pk) < (criterion.rank, criterion.pk)]
    now_after = above[-1] if above else None
    step = form.cleaned_data["step"]
    if step:
        index = len(above)
        index = max(0, index - 1) if step == "up" else min(len(others), index + 1)
        after = others[index - 1] if index > 0 else None
    elif form.cleaned_data["after"]:
        after = next((row for row in others if row.pk == form.cleaned_data["after"]), None)
        if after is None:
            raise ValidationError({"after": "The criterion it was dropped after is not here."})
    else:
        after = None
    same = (after is None and now_after is None) or (
        after is not None and now_after is not None and after.pk == now_after.pk
    )
    return _IN_PLACE if same else after


@login_required
@require_POST
def criterion_move_view(request, product_id, prd_id, criterion_id):
    """A drag or a move up/down: one row (the criterion's rank) is written. For htmx the whole
    criteria section comes back in the saved order (409 when the criterion changed meanwhile);
    otherwise a redirect to it."""
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    criterion = _part_of(prd, AcceptanceCriterion, criterion_id)
    form = CriterionMoveForm(request.POST)
    status, text = 200, ""
    if not form.is_valid():
        status, text = 400, "That move could not be made; the list shows the saved order."
    else:
        try:
            after = _move_after(criterion, form)
            if after is _IN_PLACE:
                text = "It is already there."
            else:
                services.criterion_move(
                    criterion=criterion,
                    by=Actor.web(request),
                    expected_version=form.cleaned_data["version"],
                    after=after,
                )
                text = "Moved the criterion first." if after is None else "Moved the criterion."
        except VersionConflict:
            status = 409
            text = (
                "Someone changed this criterion meanwhile; it was not moved. The list now shows "
                "the saved order."
            )
        except ValidationError as error:
            status, text = 400, " ".join(error.messages)
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, text)
        return redirect(_read_url(prd, criterion.anchor))
    reading = reading_for(prd)
    context = _base_context(prd, reading=reading, moved=criterion.pk, move_error=None)
    if status != 200:
        context["move_error"] = text
    response = render(request, CRITERIA, context, status=status)
    return with_toast(response, text, error=status != 200)


@login_required
@require_POST
def criterion_delete_view(request, product_id, prd_id, criterion_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    criterion = _part_of(prd, AcceptanceCriterion, criterion_id)
    return delete_page(
        request,
        instance=criterion,
        delete=lambda row, **kw: services.criterion_delete(
            criterion=row, by=Actor.web(request), **kw
        ),
        label="the acceptance criterion",
        back_url=_read_url(prd, "criteria"),
    )


# --- API contracts ------------------------------------------------------------------------------


def _contract_of(prd: Prd, contract_id) -> ApiContract:
    contract = get_object_or_404(
        ApiContract.objects.filter(prd=prd).select_related("current_revision__author"),
        pk=contract_id,
    )
    contract.prd = prd
    return contract


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _breaking_text(count: int) -> str:
    if not count:
        return "No breaking changes."
    return f"{_count(count, 'breaking change')}: flagged below."


@login_required
@require_http_methods(["GET", "POST"])
def contract_create_view(request, product_id, prd_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    return create_page(
        request,
        context=_base_context(prd),
        form=ContractForm(request.POST or None),
        create=lambda **values: services.contract_create(by=Actor.web(request), prd=prd, **values),
        saved=lambda contract: (
            f"Added the contract “{contract.name}”: "
            f"{_count(len(contract.current_revision.endpoints), 'endpoint')}.",
            contract.get_absolute_url(),
        ),
        template="prds/parts/contract_form.html",
    )


@login_required
@require_GET
def contract_detail(request, product_id, prd_id, contract_id):
    """The contract's endpoints, its revisions with their breaking changes, and its text."""
    prd = _prd_for(request, product_id, prd_id, Role.VIEWER)
    contract = _contract_of(prd, contract_id)
    revisions = list(
        contract.revisions.select_related("author").defer("document", "parsed", "endpoints")
    )
    context = _base_context(
        prd,
        contract=contract,
        revision=contract.current_revision,
        revisions=revisions,
        compare_form=_compare_form(revisions, None),
    )
    return render(request, "prds/parts/contract_detail.html", context)


def _compare_form(revisions: list[ApiContractRevision], data) -> ContractCompareForm:
    numbers = [revision.number for revision in revisions]
    initial = {}
    if len(numbers) >= 2:
        initial = {"from": numbers[1], "to": numbers[0]}
    return ContractCompareForm(data, numbers=numbers, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, product_id, prd_id, contract_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    contract = _contract_of(prd, contract_id)
    contract.document = contract.current_revision.document if contract.current_revision else ""

    def update(row, **kwargs):
        return services.contract_update(contract=row, by=Actor.web(request), **kwargs), row

    def attach(row):
        # The contract's text lives on its current revision.
        row.prd = prd
        return _with_document(row)

    def saved(result, values, merged):
        diff, row = result
        if "document" in diff:
            revision = row.current_revision
            text = (
                f"Saved as revision {revision.number}. "
                f"{_breaking_text(len(revision.breaking_changes))}"
            )
        else:
            text = "Saved the contract." if diff else "Nothing changed."
        return (MERGED_MESSAGE + " " + text if merged else text), contract.get_absolute_url()

    return _edit_page(
        request,
        prd=prd,
        instance=contract,
        form_class=ContractEditForm,
        update=update,
        template="prds/parts/contract_form.html",
        context={"contract": contract},
        saved=saved,
        gone_url=_read_url(prd, "contracts"),
        attach=attach,
    )


def _with_document(contract: ApiContract) -> ApiContract:
    if not hasattr(contract, "document"):
        revision = (
            ApiContractRevision.objects.filter(pk=contract.current_revision_id)
            .only("document")
            .first()
        )
        contract.document = revision.document if revision else ""
    return contract


@login_required
@require_GET
def contract_compare(request, product_id, prd_id, contract_id):
    """Any two revisions of a contract: the breaking changes from one to the other (computed
    on their stored data) and the lines of text that changed."""
    prd = _prd_for(request, product_id, prd_id, Role.VIEWER)
    contract = _contract_of(prd, contract_id)
    revisions = list(contract.revisions.select_related("author"))
    form = _compare_form(revisions, request.GET if request.GET else None)
    context = _base_context(prd, contract=contract, revisions=revisions, compare_form=form)
    if form.is_bound and not form.is_valid():
        return render(request, "prds/parts/contract_compare.html", context, status=400)
    if not form.is_bound:
        if len(revisions) < 2:
            return render(request, "prds/parts/contract_compare.html", context)
        numbers = (revisions[1].number, revisions[0].number)
    else:
        numbers = (form.cleaned_data["from"], form.cleaned_data["to"])
    by_number = {revision.number: revision for revision in revisions}
    old, new = by_number[numbers[0]], by_number[numbers[1]]
    try:
        changes = contracts.breaking_changes(old.parsed, new.parsed)
    except Exception:  # stored data the diff cannot follow: the text diff still shows
        changes = None
    context.update(
        {
            "old": old,
            "new": new,
            "changes": changes,
            "diff": side_by_side(old.document, new.document),
            "old_label": f"Revision {old.number}",
            "new_label": f"Revision {new.number}",
        }
    )
    return render(request, "prds/parts/contract_compare.html", context)


@login_required
@require_POST
def contract_delete_view(request, product_id, prd_id, contract_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    contract = _contract_of(prd, contract_id)
    return delete_page(
        request,
        instance=contract,
        delete=lambda row, **kw: services.contract_delete(
            contract=row, by=Actor.web(request), **kw
        ),
        label=f"the contract “{contract.name}” and its revisions",
        back_url=_read_url(prd, "contracts"),
    )


# --- Performance expectations -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def expectation_create_view(request, product_id, prd_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    return create_page(
        request,
        context=_base_context(prd),
        form=ExpectationForm(request.POST or None),
        create=lambda **values: services.expectation_create(
            by=Actor.web(request), prd=prd, **values
        ),
        saved=lambda row: (f"Added “{row}”.", _read_url(prd, "expectations")),
        template="prds/parts/expectation_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def expectation_edit(request, product_id, prd_id, expectation_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    expectation = _part_of(prd, PerformanceExpectation, expectation_id)
    return _edit_page(
        request,
        prd=prd,
        instance=expectation,
        form_class=ExpectationEditForm,
        update=lambda row, **kw: services.expectation_update(
            expectation=row, by=Actor.web(request), **kw
        ),
        template="prds/parts/expectation_form.html",
        context={"expectation": expectation},
        saved=lambda _, values, merged: (
            MERGED_MESSAGE if merged else "Saved the expectation.",
            _read_url(prd, "expectations"),
        ),
        gone_url=_read_url(prd, "expectations"),
    )


@login_required
@require_POST
def expectation_delete_view(request, product_id, prd_id, expectation_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    expectation = _part_of(prd, PerformanceExpectation, expectation_id)
    return delete_page(
        request,
        instance=expectation,
        delete=lambda row, **kw: services.expectation_delete(
            expectation=row, by=Actor.web(request), **kw
        ),
        label=f"the expectation “{expectation}”",
        back_url=_read_url(prd, "expectations"),
    )


# --- Decisions ----------------------------------------------------------------------------------


def _decision_anchor(decision: Decision) -> str:
    return f"decision-{decision.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def decision_create_view(request, product_id, prd_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    form = DecisionForm(
        request.POST or None,
        product=prd.product,
        initial={"decided_by": request.user.pk, "decided_on": timezone.localdate()},
    )
    return create_page(
        request,
        context=_base_context(prd),
        form=form,
        create=lambda **values: services.decision_create(by=Actor.web(request), prd=prd, **values),
        saved=lambda row: (
            f"Recorded the decision “{row.title}”.",
            _read_url(prd, _decision_anchor(row)),
        ),
        template="prds/parts/decision_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request, product_id, prd_id, decision_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    decision = get_object_or_404(
        Decision.objects.filter(prd=prd).select_related("decided_by"), pk=decision_id
    )
    decision.prd = prd
    return _edit_page(
        request,
        prd=prd,
        instance=decision,
        form_class=DecisionEditForm,
        update=lambda row, **kw: services.decision_update(
            decision=row, by=Actor.web(request), **kw
        ),
        template="prds/parts/decision_form.html",
        context={"decision": decision},
        saved=lambda _, values, merged: (
            MERGED_MESSAGE if merged else "Saved the decision.",
            _read_url(prd, _decision_anchor(decision)),
        ),
        gone_url=_read_url(prd, "decisions"),
        form_kwargs={"product": prd.product, "rows": len(decision.options)},
    )


@login_required
@require_POST
def decision_delete_view(request, product_id, prd_id, decision_id):
    prd = _prd_for(request, product_id, prd_id, Role.EDITOR)
    decision = _part_of(prd, Decision, decision_id)
    return delete_page(
        request,
        instance=decision,
        delete=lambda row, **kw: services.decision_delete(
            decision=row, by=Actor.web(request), **kw
        ),
        label=f"the decision “{decision.title}”",
        back_url=_read_url(prd, "decisions"),
    )
