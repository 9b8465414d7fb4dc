"""The planning pages around the roadmap: the vision with objectives and key results, teams,
releases with their readiness checklist and ship gate, the risks register and customer insights.

Every view checks access first (404 for non-members, 403 for a role too low) and writes only
through ``roadmaps.services``. Edits carry the version they were read at: a stale save shows the
conflict instead of overwriting.
"""

import datetime
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lodestar.concurrency import VersionConflict
from lodestar.forms import MERGED_MESSAGE, add_service_errors, conflict_rows, save_merging
from lodestar.views import create_page, delete_page, form_status, with_toast
from products.activity import Actor
from products.models import Activity, Role
from products.permissions import product_for

from .. import services
from ..forms import (
    ChecklistEntryForm,
    InsightEditForm,
    InsightForm,
    KeyResultCurrentForm,
    KeyResultEditForm,
    KeyResultForm,
    ObjectiveEditForm,
    ObjectiveForm,
    ReleaseEditForm,
    ReleaseForm,
    RiskEditForm,
    RiskForm,
    ShipForm,
    TeamEditForm,
    TeamForm,
    VisionFieldForm,
    product_members,
)
from ..models import (
    ChecklistEntry,
    Dependency,
    Insight,
    KeyResult,
    Objective,
    Release,
    Risk,
    RiskStatus,
    RoadmapItem,
    Team,
    severity_of,
)
from ..queries import late_blockers, starts_of

# --- Shared steps -------------------------------------------------------------------------------


def _row(queryset, pk, **lookup):
    """One row of the already checked product, or 404 (a row of another product is not here)."""
    return get_object_or_404(queryset, pk=pk, **lookup)


def _product_row(model, product, pk):
    """One ``model`` row of the already checked ``product`` (attached to it), or 404."""
    row = _row(model.objects.filter(product=product), pk)
    row.product = product
    return row


def _shown(value) -> str:
    """A field value as the conflict panel shows it (linked rows by name)."""
    if hasattr(value, "all"):
        value = list(value.all())
    if isinstance(value, list | tuple | QuerySet):
        return ", ".join(sorted(str(row) for row in value)) or "—"
    if value is None or value == "":
        return "—"
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.get_username()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _normal(value):
    """A field value as plain form data (strings, lists of ids), so that what the page showed,
    what the user sent and what is saved now compare equal when they mean the same."""
    if hasattr(value, "all"):
        value = list(value.all())
    if isinstance(value, list | tuple | QuerySet):
        return sorted(str(getattr(row, "pk", row)) for row in value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n")


def _snapshot(form, instance) -> str:
    """What the edit page shows of ``instance``, sent back with the form as ``original``."""
    names = [name for name in form.fields if name not in ("version", "original")]
    return json.dumps({name: _normal(getattr(instance, name)) for name in names})


def _originals(form) -> dict | None:
    try:
        original = json.loads(form.cleaned_data.get("original") or "null")
    except ValueError:
        return None
    return original if isinstance(original, dict) else None


def _with_product(product):
    """Gives a freshly read row the product the services check."""

    def attach(row):
        row.product = product
        return row

    return attach


def _linked(row, name: str):
    """A field's value on a saved row; linked rows come with their product, which the services
    check."""
    value = getattr(row, name)
    if hasattr(value, "all"):
        return list(value.select_related("product"))
    return value


def _edit_page(
    request,
    *,
    product,
    instance,
    form_class,
    update,
    template: str,
    context: dict,
    success_url: str,
    saved_message: str,
    attach=None,
):
    """The shared edit flow: GET shows the form, POST saves through ``update`` (a service,
    called with the form's values and the version the page was read at). A colleague's save
    of other fields meanwhile is merged; fields both changed show the conflict panel (409).
    ``attach`` gives a freshly read row the parents the service needs, and returns it."""
    attach = attach or _with_product(product)
    conflict = None
    if request.method == "POST":
        # Unbound from the instance: a ModelForm would copy the submitted values onto it while
        # validating, and the versioned update must see the row as it was read.
        form = form_class(request.POST, product=product)
        if form.is_valid():
            values = form.values()
            to_save = dict(values)
            original = _originals(form)
            try:
                _, merged = save_merging(
                    update,
                    instance,
                    expected_version=form.cleaned_data["version"],
                    values=to_save,
                    originals=None if original is None else {n: original.get(n) for n in values},
                    read=_linked,
                    token=_normal,
                    retry_on=attach,
                )
            except VersionConflict as error:
                if error.current is None:
                    messages.error(request, "It was deleted meanwhile; nothing was saved.")
                    return redirect(context["gone_url"])
                if error.clashes is None:
                    messages.error(request, "It changed again meanwhile; nothing was saved.")
                    return redirect(request.path)
                current = attach(error.current)
                conflict = conflict_rows(
                    form, values, current, error.clashes, show=lambda name, value: _shown(value)
                )
                form = form_class(
                    {
                        **{name: _normal(value) for name, value in to_save.items()},
                        "version": current.version,
                        "original": _snapshot(form, current),
                    },
                    product=product,
                )
                form.is_valid()
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, MERGED_MESSAGE if merged else saved_message)
                return redirect(success_url)
    else:
        form = form_class(instance=instance, product=product)
        form.initial.update({"version": instance.version, "original": _snapshot(form, instance)})
    context = {
        **context,
        "product": product,
        "form": form,
        "conflict": conflict,
        "discard_url": request.path,
    }
    return render(request, template, context, status=form_status(form, conflict))


# --- Vision, objectives, key results ------------------------------------------------------------

VISION_FIELDS = {
    "statement": ("Vision statement", "Where the product is going, in a sentence or two."),
    "target_users": ("Target users", "Who it is for: the personas and segments it serves first."),
    "horizon_1y": ("In one year", "What is true for customers a year from now."),
    "horizon_3y": ("In three years", "Where the product stands in three years."),
    "horizon_5y": ("In five years", "The long view: what it has become in five years."),
}


def _vision_field(vision, name: str, **extra) -> dict:
    label, hint = VISION_FIELDS[name]
    return {"name": name, "label": label, "hint": hint, "value": getattr(vision, name), **extra}


def _vision_context(product, vision, objective_form=None) -> dict:
    objectives = list(Objective.objects.filter(product=product).prefetch_related("key_results"))
    return {
        "product": product,
        "vision": vision,
        "statement": _vision_field(vision, "statement"),
        "target_users": _vision_field(vision, "target_users"),
        "horizons": [
            _vision_field(vision, name) for name in ("horizon_1y", "horizon_3y", "horizon_5y")
        ],
        "objectives": objectives,
        "objective_form": objective_form
        if objective_form is not None
        else (ObjectiveForm(product=product) if product.role.can_edit else None),
        "can_edit": product.role.can_edit,
    }


@login_required
@require_GET
def vision(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    return render(
        request, "roadmaps/vision.html", _vision_context(product, services.vision_of(product))
    )


@login_required
@require_http_methods(["GET", "POST"])
def vision_field(request, product_id, field):
    """One vision field, inline: GET shows it (``?edit=1``: its form), POST saves it."""
    if field not in VISION_FIELDS:
        raise Http404("No such field.")
    editing = request.method == "POST" or request.GET.get("edit")
    product = product_for(request.user, product_id, Role.EDITOR if editing else Role.VIEWER)
    vision_row = services.vision_of(product)
    context = {"product": product, "can_edit": product.role.can_edit}
    if request.method == "GET":
        if editing:
            form = VisionFieldForm(
                initial={
                    "value": getattr(vision_row, field),
                    "original": getattr(vision_row, field),
                    "version": vision_row.version,
                }
            )
            context["field"] = _vision_field(vision_row, field, form=form)
            return render(request, "roadmaps/vision.html#vision-field-form", context)
        context["field"] = _vision_field(vision_row, field)
        return render(request, "roadmaps/vision.html#vision-field", context)

    form = VisionFieldForm(request.POST)
    conflict = None
    if form.is_valid():
        value = form.cleaned_data["value"]
        try:
            _save_vision_field(request, vision_row, field, form)
        except VersionConflict as error:
            if error.current is None:
                raise Http404("The vision is gone.") from None
            theirs = getattr(error.current, field)
            conflict = {"yours": value, "theirs": theirs}
            # Rebased on what is saved now: saving again keeps "yours" knowingly.
            form = VisionFieldForm(
                {"value": value, "original": theirs, "version": error.current.version}
            )
            form.is_valid()
        else:
            label = VISION_FIELDS[field][0]
            if not request.htmx:
                messages.success(request, f"Saved {label.lower()}.")
                return redirect("roadmaps:vision", product_id=product.pk)
            context["field"] = _vision_field(vision_row, field, saved=True)
            response = render(request, "roadmaps/vision.html#vision-field", context)
            return with_toast(response, f"Saved {label.lower()}.")
    context["field"] = _vision_field(vision_row, field, form=form, conflict=conflict)
    if not request.htmx:
        page = _vision_context(product, vision_row)
        page["inline_error"] = context["field"]
        return render(request, "roadmaps/vision.html", page, status=form_status(form, conflict))
    return render(
        request,
        "roadmaps/vision.html#vision-field-form",
        context,
        status=form_status(form, conflict),
    )


def _save_vision_field(request, vision_row, field: str, form) -> None:
    """Save one field; a colleague's save of *other* fields since the page was read is merged
    (the row's version moved on, but this field is still what the user saw)."""
    value = form.cleaned_data["value"]
    original = form.cleaned_data["original"] if "original" in form.data else None

    def save(row, **kwargs):
        services.vision_update(vision=row, by=Actor.web(request), **kwargs)
        return row

    saved, merged = save_merging(
        save,
        vision_row,
        expected_version=form.cleaned_data["version"],
        values={field: value},
        originals=None if original is None else {field: original},
        retry_on=_with_product(vision_row.product),
    )
    if merged:
        setattr(vision_row, field, value)
        vision_row.version = saved.version


@login_required
@require_POST
def objective_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    form = ObjectiveForm(request.POST, product=product)
    if form.is_valid():
        try:
            objective = services.objective_create(
                by=Actor.web(request), product=product, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Added the objective “{objective}”. Now give it key results."
            )
            return redirect(objective.get_absolute_url())
    context = _vision_context(product, services.vision_of(product), objective_form=form)
    return render(request, "roadmaps/vision.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request, product_id, objective_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    objective = _product_row(Objective, product, objective_id)
    return _edit_page(
        request,
        product=product,
        instance=objective,
        form_class=ObjectiveEditForm,
        update=lambda row, **kw: services.objective_update(
            objective=row, by=Actor.web(request), **kw
        ),
        template="roadmaps/objective_form.html",
        context={"objective": objective, "gone_url": reverse("roadmaps:vision", args=[product.pk])},
        success_url=objective.get_absolute_url(),
        saved_message="Saved the objective.",
    )


@login_required
@require_POST
def objective_delete_view(request, product_id, objective_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    objective = _product_row(Objective, product, objective_id)
    return delete_page(
        request,
        instance=objective,
        delete=lambda row, **kw: services.objective_delete(
            objective=row, by=Actor.web(request), **kw
        ),
        label=f"the objective “{objective}”",
        back_url=reverse("roadmaps:vision", args=[product.pk]),
    )


def _with_objective(key_result: KeyResult, objective: Objective) -> KeyResult:
    key_result.objective = objective
    return key_result


def _key_result_of(product, key_result_id) -> KeyResult:
    key_result = _row(
        KeyResult.objects.select_related("objective").filter(objective__product=product),
        key_result_id,
    )
    key_result.objective.product = product
    return key_result


@login_required
@require_http_methods(["GET", "POST"])
def key_result_create_view(request, product_id, objective_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    objective = _product_row(Objective, product, objective_id)
    return create_page(
        request,
        context={"product": product, "objective": objective},
        form=KeyResultForm(request.POST or None, product=product),
        create=lambda **values: services.key_result_create(
            by=Actor.web(request), objective=objective, **values
        ),
        saved=lambda key_result: (
            f"Added the key result “{key_result}”.",
            objective.get_absolute_url(),
        ),
        template="roadmaps/key_result_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_result_edit(request, product_id, key_result_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    key_result = _key_result_of(product, key_result_id)
    return _edit_page(
        request,
        product=product,
        instance=key_result,
        form_class=KeyResultEditForm,
        update=lambda row, **kw: services.key_result_update(
            key_result=row, by=Actor.web(request), **kw
        ),
        template="roadmaps/key_result_form.html",
        attach=lambda row: _with_objective(row, key_result.objective),
        context={
            "objective": key_result.objective,
            "key_result": key_result,
            "gone_url": reverse("roadmaps:vision", args=[product.pk]),
        },
        success_url=key_result.objective.get_absolute_url(),
        saved_message="Saved the key result.",
    )


@login_required
@require_POST
def key_result_current(request, product_id, key_result_id):
    """The inline update of a key result's current value (the row, for htmx)."""
    product = product_for(request.user, product_id, Role.EDITOR)
    key_result = _key_result_of(product, key_result_id)
    form = KeyResultCurrentForm(request.POST)
    row_error = None
    status = 200
    if not form.is_valid():
        row_error = " ".join(form.errors.get("current", ["Enter a number."]))
        status = 400
    else:
        try:
            services.key_result_update(
                key_result=key_result,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                current=form.cleaned_data["current"],
            )
        except VersionConflict as error:
            if error.current is None:
                raise Http404("The key result is gone.") from None
            row_error = (
                f"Not saved: someone changed this key result meanwhile. Theirs: "
                f"{error.current.current:g} {error.current.unit}; yours: "
                f"{form.cleaned_data['current']:g} {key_result.unit}. Enter yours again to keep it."
            ).replace(" ;", ";")
            error.current.objective = key_result.objective
            key_result = error.current
            status = 409
        except ValidationError as error:
            row_error = " ".join(error.messages)
            status = 400
    if not request.htmx:
        if row_error:
            messages.error(request, row_error)
        else:
            messages.success(request, f"Updated “{key_result}”.")
        return redirect(key_result.objective.get_absolute_url())
    response = render(
        request,
        "roadmaps/vision.html#key-result-row",
        {
            "product": product,
            "key_result": key_result,
            "can_edit": True,
            "row_error": row_error,
            "row_saved": row_error is None,
        },
        status=status,
    )
    text = row_error or f"Updated “{key_result}” to {key_result.current:g} {key_result.unit}."
    return with_toast(response, text.strip(), error=bool(row_error))


@login_required
@require_POST
def key_result_delete_view(request, product_id, key_result_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    key_result = _key_result_of(product, key_result_id)
    return delete_page(
        request,
        instance=key_result,
        delete=lambda row, **kw: services.key_result_delete(
            key_result=row, by=Actor.web(request), **kw
        ),
        label=f"the key result “{key_result}”",
        back_url=key_result.objective.get_absolute_url(),
    )


# --- Teams --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request, product_id):
    minimum = Role.EDITOR if request.method == "POST" else Role.VIEWER
    product = product_for(request.user, product_id, minimum)
    form = TeamForm(request.POST or None, product=product) if product.role.can_edit else None
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(by=Actor.web(request), product=product, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added the team “{team}”.")
            return redirect("roadmaps:teams", product_id=product.pk)
    teams = Team.objects.filter(product=product).annotate(item_count=Count("items"))
    return render(
        request,
        "roadmaps/team_list.html",
        {"product": product, "teams": teams, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, product_id, team_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    team = _product_row(Team, product, team_id)
    teams_url = reverse("roadmaps:teams", args=[product.pk])
    return _edit_page(
        request,
        product=product,
        instance=team,
        form_class=TeamEditForm,
        update=lambda row, **kw: services.team_update(team=row, by=Actor.web(request), **kw),
        template="roadmaps/team_form.html",
        context={"team": team, "gone_url": teams_url},
        success_url=teams_url,
        saved_message="Saved the team.",
    )


@login_required
@require_POST
def team_delete_view(request, product_id, team_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    team = _product_row(Team, product, team_id)
    return delete_page(
        request,
        instance=team,
        delete=lambda row, **kw: services.team_delete(team=row, by=Actor.web(request), **kw),
        label=f"the team “{team}”",
        back_url=reverse("roadmaps:teams", args=[product.pk]),
    )


# --- Releases and the readiness gate ------------------------------------------------------------


@dataclass
class Readiness:
    """A release's readiness in numbers, for the list (the detail page lists the problems)."""

    checklist_done: int
    checklist_total: int
    blockers: int
    high_risks: int

    @property
    def ready(self) -> bool:
        return (
            self.checklist_done == self.checklist_total
            and not self.blockers
            and not self.high_risks
        )


def _readiness_summaries(releases: list[Release]) -> None:
    """Set ``release.readiness`` on each release (annotated with its checklist counts)."""
    problems = services.releases_readiness(releases)
    for release in releases:
        kinds = Counter(problem.kind for problem in problems[release.pk])
        release.readiness = Readiness(
            checklist_done=release.checklist_done,
            checklist_total=release.checklist_total,
            blockers=kinds["blocker"],
            high_risks=kinds["risk"],
        )


@login_required
@require_GET
def release_list(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    releases = list(
        Release.objects.filter(product=product).annotate(
            item_count=Count("items", distinct=True),
            checklist_total=Count("checklist", distinct=True),
            checklist_done=Count("checklist", filter=Q(checklist__done=True), distinct=True),
        )
    )
    _readiness_summaries(releases)
    return render(request, "roadmaps/release_list.html", {"product": product, "releases": releases})


@login_required
@require_http_methods(["GET", "POST"])
def release_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    return create_page(
        request,
        context={"product": product},
        form=ReleaseForm(request.POST or None, product=product),
        create=lambda **values: services.release_create(
            by=Actor.web(request), product=product, **values
        ),
        saved=lambda release: (
            f"Created {release}. Its readiness checklist is below.",
            release.get_absolute_url(),
        ),
        template="roadmaps/release_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def release_edit(request, product_id, release_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    release = _product_row(Release, product, release_id)
    return _edit_page(
        request,
        product=product,
        instance=release,
        form_class=ReleaseEditForm,
        update=lambda row, **kw: services.release_update(release=row, by=Actor.web(request), **kw),
        template="roadmaps/release_form.html",
        context={"release": release, "gone_url": reverse("roadmaps:releases", args=[product.pk])},
        success_url=release.get_absolute_url(),
        saved_message="Saved the release.",
    )


@login_required
@require_POST
def release_delete_view(request, product_id, release_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    release = _product_row(Release, product, release_id)
    return delete_page(
        request,
        instance=release,
        delete=lambda row, **kw: services.release_delete(release=row, by=Actor.web(request), **kw),
        label=f"the release “{release}”",
        back_url=reverse("roadmaps:releases", args=[product.pk]),
    )


def _release_activity(release: Release, entry_ids: list[int]):
    types = ContentType.objects.get_for_models(Release, ChecklistEntry)
    return Activity.objects.for_product(release.product).filter(
        Q(target_type=types[Release], target_id=str(release.pk))
        | Q(
            target_type=types[ChecklistEntry],
            target_id__in=[str(pk) for pk in entry_ids],
        )
    )[:30]


def _release_context(release: Release, *, ship_form=None, refusal=None) -> dict:
    product = release.product
    checklist = list(release.checklist.select_related("owner"))
    checklist.sort(key=lambda entry: entry.position)
    items = list(release.items.select_related("team").order_by("start_date", "title", "id"))
    dependencies = list(
        Dependency.objects.filter(blocked__in=items).values_list(
            "blocker_id", "blocked_id", "blocker__end_date", "blocker__title"
        )
    )
    late = late_blockers(starts_of(items), dependencies)
    for item in items:
        item.late_blockers = late.get(item.pk, [])
        item.ends_after_release = item.end_date is not None and item.end_date > release.date
    risks = list(
        Risk.objects.filter(product=product)
        .filter(Q(releases=release) | Q(items__in=items))
        .distinct()
        .select_related("owner")
        .by_score()
    )
    problems = [] if release.is_shipped else services.release_readiness(release)
    can_edit = product.role.can_edit
    return {
        "product": product,
        "release": release,
        "checklist": checklist,
        "members": list(product_members(product)) if can_edit and not release.is_shipped else [],
        "items": items,
        "risks": risks,
        "problems": problems,
        "ship_form": ship_form or ShipForm(initial={"version": release.version}),
        "refusal": refusal,
        "activity": _release_activity(release, [entry.pk for entry in checklist]),
        "can_edit": can_edit,
        "can_admin": product.role.can_admin,
    }


@login_required
@require_GET
def release_detail(request, product_id, release_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    release = _product_row(Release, product, release_id)
    return render(request, "roadmaps/release_detail.html", _release_context(release))


@login_required
@require_POST
def release_ship_view(request, product_id, release_id):
    """The readiness gate: ship if ready; otherwise refuse with the problems, unless an admin
    overrides with a reason (which the service records in the activity log)."""
    product = product_for(request.user, product_id, Role.EDITOR)
    release = _product_row(Release, product, release_id)
    form = ShipForm(request.POST)
    refusal = None
    status = 400
    if form.is_valid():
        try:
            overridden = services.release_ship(
                release=release,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                may_override=product.role.can_admin,
                override_reason=form.cleaned_data["override_reason"],
            )
        except services.ReleaseNotReady as error:
            refusal = {
                "title": "Not shipped: the release is not ready",
                "problems": [problem.message for problem in error.problems],
                "hint": "Fix these first, or ask an admin to ship it anyway with a reason.",
            }
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "The release was deleted meanwhile.")
                return redirect("roadmaps:releases", product_id=product.pk)
            release = error.current
            release.product = product
            refusal = {
                "title": "Not shipped: the release changed while you were looking at it",
                "problems": [],
                "hint": "Check its readiness below and ship again.",
            }
            form = ShipForm(
                initial={
                    "version": release.version,
                    "override_reason": form.cleaned_data["override_reason"],
                }
            )
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if overridden:
                messages.success(request, f"Shipped {release} with an override; reason logged.")
            else:
                messages.success(request, f"Shipped {release}.")
            return redirect(release)
    context = _release_context(release, ship_form=form, refusal=refusal)
    return render(request, "roadmaps/release_detail.html", context, status=status)


def _entry_state(owner, done: bool) -> str:
    who = _shown(owner) if owner else "no owner"
    return f"{'done' if done else 'open'}, {who}"


@login_required
@require_POST
def checklist_entry_view(request, product_id, release_id, entry_id):
    """Owner and done of one checklist line, saved inline; answers with the line and, out of
    band, the release's readiness."""
    product = product_for(request.user, product_id, Role.EDITOR)
    entry = _row(
        ChecklistEntry.objects.select_related("release", "owner").filter(
            release__product=product, release_id=release_id
        ),
        entry_id,
    )
    entry.release.product = product
    form = ChecklistEntryForm(request.POST, product=product)
    row_error = None
    status = 200
    if not form.is_valid():
        row_error = " ".join(message for errors in form.errors.values() for message in errors)
        status = 400
    else:
        owner, done = form.cleaned_data["owner"], form.cleaned_data["done"]
        try:
            services.checklist_entry_update(
                entry=entry,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                owner=owner,
                done=done,
            )
        except VersionConflict as error:
            if error.current is None:
                raise Http404("No such checklist entry.") from None
            current = ChecklistEntry.objects.select_related("owner").get(pk=entry.pk)
            row_error = (
                "Not saved: someone changed this line meanwhile. "
                f"Theirs: {_entry_state(current.owner, current.done)}; "
                f"yours: {_entry_state(owner, done)}. Change it again to keep yours."
            )
            current.release = entry.release
            entry = current
            status = 409
        except ValidationError as error:
            row_error = " ".join(error.messages)
            status = 400
    release = entry.release
    if not request.htmx:
        if row_error:
            messages.error(request, row_error)
        return redirect(release)
    context = _release_context(release)
    context.update({"changed_pk": entry.pk, "row_error": row_error})
    response = render(
        request, "roadmaps/release_detail.html#checklist-update", context, status=status
    )
    text = row_error or f"{entry.get_kind_display()}: {_entry_state(entry.owner, entry.done)}."
    return with_toast(response, text, error=bool(row_error))


# --- Risks --------------------------------------------------------------------------------------

RISK_STATUS_FILTERS = [("", "All"), *RiskStatus.choices]


@login_required
@require_GET
def risk_list(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    status = request.GET.get("status", "")
    if status not in dict(RISK_STATUS_FILTERS):
        status = ""
    risks = (
        Risk.objects.filter(product=product)
        .select_related("owner")
        .prefetch_related("items", "releases")
        .by_score()
    )
    if status:
        risks = risks.filter(status=status)
    risks = list(risks)
    cells = Counter((risk.likelihood, risk.impact) for risk in risks)
    matrix = [
        {
            "likelihood": likelihood,
            "cells": [
                {
                    "impact": impact,
                    "count": cells[(likelihood, impact)],
                    "severity": severity_of(likelihood * impact),
                }
                for impact in range(1, 6)
            ],
        }
        for likelihood in range(5, 0, -1)
    ]
    return render(
        request,
        "roadmaps/risk_list.html",
        {
            "product": product,
            "risks": risks,
            "matrix": matrix,
            "status": status,
            "status_filters": RISK_STATUS_FILTERS,
            "can_edit": product.role.can_edit,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    initial = {}
    if request.GET.get("release"):
        initial["releases"] = [request.GET["release"]]
    return create_page(
        request,
        context={"product": product},
        form=RiskForm(request.POST or None, product=product, initial=initial),
        create=lambda **values: services.risk_create(
            by=Actor.web(request), product=product, **values
        ),
        saved=lambda risk: (
            f"Added the risk “{risk}” (score {risk.score}).",
            risk.get_absolute_url(),
        ),
        template="roadmaps/risk_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request, product_id, risk_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    risk = _product_row(Risk, product, risk_id)
    return _edit_page(
        request,
        product=product,
        instance=risk,
        form_class=RiskEditForm,
        update=lambda row, **kw: services.risk_update(risk=row, by=Actor.web(request), **kw),
        template="roadmaps/risk_form.html",
        context={"risk": risk, "gone_url": reverse("roadmaps:risks", args=[product.pk])},
        success_url=risk.get_absolute_url(),
        saved_message="Saved the risk.",
    )


@login_required
@require_POST
def risk_delete_view(request, product_id, risk_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    risk = _product_row(Risk, product, risk_id)
    return delete_page(
        request,
        instance=risk,
        delete=lambda row, **kw: services.risk_delete(risk=row, by=Actor.web(request), **kw),
        label=f"the risk “{risk}”",
        back_url=reverse("roadmaps:risks", args=[product.pk]),
    )


# --- Insights -----------------------------------------------------------------------------------


@login_required
@require_GET
def insight_list(request, product_id):
    product = product_for(request.user, product_id, Role.VIEWER)
    items = list(
        RoadmapItem.objects.filter(product=product).order_by("title", "id").only("id", "title")
    )
    insights = Insight.objects.filter(product=product).prefetch_related("items")
    selected = None
    raw = request.GET.get("item", "")
    if raw:
        selected = next((item for item in items if str(item.pk) == raw), None)
        # An unknown item (or one of another product) filters to nothing, not to everything.
        insights = insights.filter(items=selected.pk) if selected else insights.none()
    return render(
        request,
        "roadmaps/insight_list.html",
        {
            "product": product,
            "insights": list(insights),
            "items": items,
            "selected_item": selected,
            "filtered": bool(raw),
            "can_edit": product.role.can_edit,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def insight_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    initial = {"items": [request.GET["item"]]} if request.GET.get("item") else {}
    return create_page(
        request,
        context={"product": product},
        form=InsightForm(request.POST or None, product=product, initial=initial),
        create=lambda **values: services.insight_create(
            by=Actor.web(request), product=product, **values
        ),
        saved=lambda insight: (
            f"Added evidence from {insight.account}.",
            insight.get_absolute_url(),
        ),
        template="roadmaps/insight_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def insight_edit(request, product_id, insight_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    insight = _product_row(Insight, product, insight_id)
    return _edit_page(
        request,
        product=product,
        instance=insight,
        form_class=InsightEditForm,
        update=lambda row, **kw: services.insight_update(insight=row, by=Actor.web(request), **kw),
        template="roadmaps/insight_form.html",
        context={"insight": insight, "gone_url": reverse("roadmaps:insights", args=[product.pk])},
        success_url=insight.get_absolute_url(),
        saved_message="Saved the insight.",
    )


@login_required
@require_POST
def insight_delete_view(request, product_id, insight_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    insight = _product_row(Insight, product, insight_id)
    return delete_page(
        request,
        instance=insight,
        delete=lambda row, **kw: services.insight_delete(insight=row, by=Actor.web(request), **kw),
        label=f"the insight from {insight.account}",
        back_url=reverse("roadmaps:insights", args=[product.pk]),
    )
