"""The roadmap pages: timeline, Now/Next/Later board and list (one filter bar, one partial each),
the item pages with their dependencies, and the endpoints a drag posts to.

Every view checks access first (404 for non-members, 403 below editor for writes) and writes
only through ``roadmaps.services`` with the version the page showed: a stale drag or save gets
the conflict, never an overwrite. ``roadmap_view_context`` and ``_roadmap_view.html`` are also
what the public share page renders (with ``public`` set and no links into the app).
"""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lodestar.concurrency import VersionConflict
from lodestar.forms import add_service_errors, conflict_rows, save_merging, saved_message
from products.activity import Actor
from products.forms import ConfirmVersionForm
from products.models import Activity, Role
from products.permissions import product_for

from .. import services
from ..forms import (
    DatesForm,
    DependencyAddForm,
    MoveForm,
    RoadmapFilterForm,
    RoadmapItemEditForm,
    RoadmapItemForm,
    item_field_token,
    item_field_value,
)
from ..models import Dependency, Lane, Objective, RoadmapItem, RoadmapView, Status
from ..queries import Roadmap, late_blockers, roadmap_for, starts_of
from ..timeline import (
    GROUPINGS,
    STATUS_LABELS,
    ZOOMS,
    RowsMarkup,
    bar_tooltip,
    late_text,
    timeline_layout,
)

VIEWS = tuple(RoadmapView.values)
VIEW_URL_NAMES = {
    "timeline": "roadmaps:timeline",
    "board": "roadmaps:board",
    "list": "roadmaps:list",
}
FILTER_KEYS = ("q", "team", "theme", "status", "lane", "objective", "release")
STATUS_ORDER = {value: index for index, value in enumerate(Status.values)}
LANE_ORDER = {value: index for index, value in enumerate(Lane.values)}

# List columns: (key, label, numeric, sort key). A sort key returns (missing, value) so that
# rows without a value stay last in both directions.
LIST_COLUMNS = [
    ("title", "Title", False, lambda item: (False, item.title.lower())),
    ("status", "Status", False, lambda item: (False, STATUS_ORDER.get(item.status, 99))),
    ("lane", "Lane", False, lambda item: (False, (LANE_ORDER.get(item.lane, 9), item.lane_rank))),
    (
        "team",
        "Team",
        False,
        lambda item: (item.team_id is None, item.team.name.lower() if item.team_id else ""),
    ),
    ("theme", "Theme", False, lambda item: (not item.theme, item.theme.lower())),
    ("start", "Start", True, lambda item: (item.start_date is None, item.start_date or 0)),
    ("end", "End", True, lambda item: (item.end_date is None, item.end_date or 0)),
    ("confidence", "Confidence", True, lambda item: (False, item.confidence)),
    ("evidence", "Evidence", True, lambda item: (False, item.insight_count)),
]
LIST_SORT_KEYS = {key: sort_key for key, _, _, sort_key in LIST_COLUMNS}
DEFAULT_LIST_SORT = "lane"


def _item_url_base(product_id: int) -> str:
    # Reversed once per page, then joined with each id: reverse() per bar costs milliseconds
    # at 500 items.
    return reverse("roadmaps:item", args=[product_id, 0])[: -len("0/")]


def _query(params: dict, **changes) -> str:
    merged = {key: value for key, value in {**params, **changes}.items() if value}
    return f"?{urlencode(merged)}" if merged else ""


def _sorted_items(items: list[RoadmapItem], sort: str) -> tuple[list[RoadmapItem], str, bool]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in LIST_SORT_KEYS:
        key, descending = DEFAULT_LIST_SORT, False
    sort_key = LIST_SORT_KEYS[key]
    present = [item for item in items if not sort_key(item)[0]]
    missing = [item for item in items if sort_key(item)[0]]
    present.sort(key=lambda item: (sort_key(item)[1], item.pk), reverse=descending)
    return present + missing, key, descending


def _list_columns(params: dict, key: str, descending: bool) -> list[dict]:
    columns = []
    for column, label, numeric, _ in LIST_COLUMNS:
        current = column == key
        following = f"-{column}" if current and not descending else column
        columns.append(
            {
                "key": column,
                "label": label,
                "numeric": numeric,
                "query": _query(params, sort=following),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


# --- Markup of many rows (see timeline.RowsMarkup for why it is built in Python) ------------


def _day(value, year: bool = True) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}" if year else f"{value.day} {value:%b}"


def _late_flag(item: RoadmapItem) -> str:
    if not item.late_blockers:
        return ""
    text = escape(late_text(item.late_blockers))
    return f'<span class="late-flag" role="img" aria-label="{text}" title="{text}">!</span>'


def _status_badge(item: RoadmapItem) -> str:
    label = STATUS_LABELS.get(item.status, item.status)
    return f'<span class="badge badge-status badge-status-{item.status}">{label}</span>'


def _title(item: RoadmapItem, links: bool, base: str, css: str) -> str:
    if links:
        return f'<a class="{css}" href="{base}{item.pk}/">{escape(item.title)}</a>'
    return f'<span class="{css}">{escape(item.title)}</span>'


def render_cards(
    cards: list[RoadmapItem],
    lane: str,
    *,
    editable: bool,
    links: bool,
    base: str,
    csrf_token: str,
    next_url: str,
) -> str:
    """A lane's cards: title, late flag, status badge, team, dates, evidence count, and for
    editors the keyboard move buttons (the alternative to dragging)."""
    parts = []
    last = len(cards) - 1
    for index, item in enumerate(cards):
        title = escape(item.title)
        meta = [_status_badge(item)]
        if item.team_id:
            meta.append(f'<span class="board-team">{escape(item.team.name)}</span>')
        if item.start_date or item.end_date:
            meta.append(
                f'<span class="board-dates tabular">{_day(item.start_date, False) or "?"} – '
                f"{_day(item.end_date, False) or '?'}</span>"
            )
        count = item.insight_count
        plural = "" if count == 1 else "s"
        meta.append(
            f'<span class="board-evidence tabular" title="{count} customer insight{plural}">'
            f'{count} <span class="visually-hidden">insight{plural}</span>'
            '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
            '<path class="board-evidence-icon" d="M1 2h10v6H5l-3 3V8H1z"/></svg></span>'
        )
        form = ""
        if editable:
            buttons = []
            if index > 0:
                buttons.append(_move_button(item, "step", "up", "↑", "Move up"))
            if index < last:
                buttons.append(_move_button(item, "step", "down", "↓", "Move down"))
            for other, label in Lane.choices:
                if other != lane:
                    buttons.append(
                        _move_button(item, "lane", other, label, f"Move to the end of {label}")
                    )
            form = (
                f'<form class="board-move" method="post" action="{base}{item.pk}/move/" '
                f'aria-label="Move {title}">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
                f'<input type="hidden" name="version" value="{item.version}">'
                f'<input type="hidden" name="next" value="{escape(next_url)}">'
                f"{''.join(buttons)}</form>"
            )
        parts.append(
            f'<li class="board-card" data-id="{item.pk}" data-version="{item.version}">'
            f'<div class="board-card-top">{_title(item, links, base, "board-card-title")}'
            f"{_late_flag(item)}</div>"
            f'<div class="board-card-meta">{"".join(meta)}</div>{form}</li>'
        )
    return "".join(parts)


def _move_button(item: RoadmapItem, name: str, value: str, text: str, label: str) -> str:
    hidden = "" if len(text) > 1 else f'<span class="visually-hidden"> {label}</span>'
    return (
        f'<button class="icon-button" type="submit" name="{name}" value="{value}" '
        f'id="move-{value}-{item.pk}" title="{label}">{text}{hidden}</button>'
    )


def render_list_rows(rows: list[RoadmapItem], *, links: bool, base: str) -> str:
    """The list's table rows (numbers right-aligned)."""
    lanes = dict(Lane.choices)
    parts = []
    for item in rows:
        team = escape(item.team.name) if item.team_id else '<span class="muted">—</span>'
        flag = _late_flag(item)
        parts.append(
            f'<tr><td class="list-title">{_title(item, links, base, "list-link")}'
            f"{' ' + flag if flag else ''}</td>"
            f"<td>{_status_badge(item)}</td><td>{lanes.get(item.lane, item.lane)}</td>"
            f"<td>{team}</td><td>{escape(item.theme) or '—'}</td>"
            f'<td class="num nowrap">{_day(item.start_date) or "—"}</td>'
            f'<td class="num nowrap">{_day(item.end_date) or "—"}</td>'
            f'<td class="num">{item.confidence}%</td>'
            f'<td class="num">{item.insight_count}</td></tr>'
        )
    return "".join(parts)


def roadmap_view_context(
    roadmap: Roadmap, view: str, params: dict, *, editable: bool, request=None
) -> dict:
    """What ``roadmaps/_roadmap_view.html`` needs to draw ``view`` ("timeline", "board" or
    "list") of ``roadmap``: the timeline's geometry, the board's lanes or the list's sorted rows.
    ``params`` are the query parameters (zoom, group, sort; the filters are already applied).
    With ``editable`` False nothing that writes is drawn; a caller that also sets ``public``
    gets no links into the signed-in app. ``request`` (the signed-in pages pass it) gives the
    board's move forms their CSRF token and the way back."""
    view = view if view in VIEWS else RoadmapView.TIMELINE.value
    product = roadmap.product
    context = {
        "roadmap": roadmap,
        "view": view,
        "editable": editable,
        "params": params,
        "roadmap_product": product,
        "item_url_base": _item_url_base(product.pk),
        "last_change": max((item.updated_at for item in roadmap.items), default=None),
        "status_choices": Status.choices,
    }
    if view == RoadmapView.TIMELINE:
        timeline = timeline_layout(
            roadmap.items,
            roadmap.edges,
            roadmap.releases,
            zoom=params.get("zoom", ""),
            group_by=params.get("group", ""),
        )
        for group in timeline.groups:
            group.rows = group.markup(editable=editable, item_url_base=context["item_url_base"])
        context["timeline"] = timeline
        context["zoom_options"] = [
            (value, label, _query(params, zoom=value), value == timeline.zoom)
            for value, label in ZOOMS.items()
        ]
        context["group_options"] = [
            (value, label, _query(params, group=value), value == timeline.group_by)
            for value, label in GROUPINGS.items()
        ]
    elif view == RoadmapView.BOARD:
        csrf_token = get_token(request) if editable and request is not None else ""
        next_url = request.get_full_path() if request is not None else ""
        context["lanes"] = [
            (
                lane,
                cards,
                RowsMarkup(
                    partial(
                        render_cards,
                        cards,
                        lane.value,
                        editable=editable,
                        base=context["item_url_base"],
                        csrf_token=csrf_token,
                        next_url=next_url,
                    )
                ),
            )
            for lane, cards in roadmap.lanes()
        ]
    else:
        rows, key, descending = _sorted_items(roadmap.items, params.get("sort", ""))
        context["rows"] = rows
        context["rows_markup"] = RowsMarkup(
            partial(render_list_rows, rows, base=context["item_url_base"])
        )
        context["columns"] = _list_columns(params, key, descending)
    return context


def _roadmap_page(request, product_id: int, view: str):
    product = product_for(request.user, product_id, Role.VIEWER)
    params = {key: value for key, value in request.GET.items() if value}
    roadmap, _ = roadmap_for(product, params, links=False)
    context = roadmap_view_context(
        roadmap, view, params, editable=product.role.can_edit, request=request
    )
    context.update(
        {
            "product": product,
            "tabs": [
                (value, label, reverse(VIEW_URL_NAMES[value], args=[product.pk]), value == view)
                for value, label in RoadmapView.choices
            ],
            "tab_query": _query({k: v for k, v in params.items() if k in FILTER_KEYS}),
            "filter_count": sum(1 for key in FILTER_KEYS if params.get(key)),
        }
    )
    template = f"roadmaps/{view}.html"
    if request.htmx and not request.htmx.history_restore_request:
        # The filter bar stays in place; only the tabs and the view are swapped.
        return render(request, "roadmaps/_roadmap_page.html#roadmap-body", context)
    context["filter_form"] = RoadmapFilterForm(
        initial=params,
        teams=roadmap.teams,
        themes=roadmap.themes,
        objectives=Objective.objects.filter(product=product).only("id", "title"),
        releases=roadmap.releases,
    )
    return render(request, template, context)


@login_required
@require_GET
def timeline(request, product_id):
    return _roadmap_page(request, product_id, RoadmapView.TIMELINE.value)


@login_required
@require_GET
def board(request, product_id):
    return _roadmap_page(request, product_id, RoadmapView.BOARD.value)


@login_required
@require_GET
def item_list(request, product_id):
    return _roadmap_page(request, product_id, RoadmapView.LIST.value)


# --- Drag endpoints -----------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _item_for(product, item_id) -> RoadmapItem:
    return get_object_or_404(
        RoadmapItem.objects.select_related("team", "product"), product=product, pk=item_id
    )


def _dates_payload(item: RoadmapItem) -> dict:
    scheduled = item.start_date is not None and item.end_date is not None
    return {
        "id": item.pk,
        "version": item.version,
        "start_date": item.start_date.isoformat() if item.start_date else None,
        "end_date": item.end_date.isoformat() if item.end_date else None,
        "title": item.title,
        "tooltip": bar_tooltip(item) if scheduled else item.title,
    }


def _late_after_move(item: RoadmapItem) -> dict[str, str]:
    """The late-blocker flags a date change can touch: the item's own (its blockers against its
    new start) and those of the items it blocks (against its new end). Id → message or ""."""
    ids = [item.pk, *Dependency.objects.filter(blocker=item).values_list("blocked_id", flat=True)]
    affected = list(RoadmapItem.objects.filter(pk__in=ids).only("id", "start_date"))
    dependencies = list(
        Dependency.objects.filter(blocked_id__in=ids).values_list(
            "blocker_id", "blocked_id", "blocker__end_date", "blocker__title"
        )
    )
    late = late_blockers(starts_of(affected), dependencies)
    return {str(pk): late_text(late.get(pk, [])) for pk in ids}


def _field_errors(error: ValidationError) -> dict:
    return {field: list(messages_) for field, messages_ in error.message_dict.items()}


@login_required
@require_POST
def item_dates(request, product_id, item_id):
    """A timeline drag: new start and end dates at the version the page showed. Answers JSON:
    200 with the new version, 409 with the saved dates (the bar goes back to them), 400 with
    field errors."""
    product = product_for(request.user, product_id, Role.EDITOR)
    item = _item_for(product, item_id)
    form = DatesForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        services.item_update(
            item=item,
            by=Actor.web(request),
            expected_version=form.cleaned_data["version"],
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
        )
    except VersionConflict as error:
        current = error.current
        if current is None:
            return JsonResponse(
                {"message": f"“{item.title}” was deleted meanwhile; nothing was saved."},
                status=409,
            )
        return JsonResponse(
            {
                "message": f"Someone changed “{current.title}” while you were looking; your "
                "drag was not saved and the bar shows the saved dates.",
                "item": _dates_payload(current),
            },
            status=409,
        )
    except ValidationError as error:
        return JsonResponse({"errors": _field_errors(error)}, status=400)
    return JsonResponse({"item": _dates_payload(item), "late": _late_after_move(item)})


def _move_target(item: RoadmapItem, form: MoveForm) -> tuple[str, RoadmapItem | None]:
    """The lane and the card to drop after, from a drag (lane + after) or a keyboard button
    (step up/down, or the end of a lane), read against the order saved now."""
    data = form.cleaned_data
    lane = data["lane"] or item.lane
    siblings = list(
        RoadmapItem.objects.filter(product_id=item.product_id, lane=lane)
        .exclude(pk=item.pk)
        .order_by("lane_rank", "id")
    )
    if data["step"] and lane == item.lane:
        above = [row for row in siblings if (row.lane_rank, row.pk) < (item.lane_rank, item.pk)]
        index = len(above)
        index = max(0, index - 1) if data["step"] == "up" else min(len(siblings), index + 1)
        return lane, siblings[index - 1] if index > 0 else None
    if data["position"] == "end" or (not data["after"] and data["step"]):
        return lane, siblings[-1] if siblings else None
    if data["after"]:
        after = next((row for row in siblings if row.pk == data["after"]), None)
        if after is None:
            raise ValidationError({"after": "The card to drop after is not in that lane."})
        return lane, after
    return lane, None


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
def item_move_view(request, product_id, item_id):
    """A board move (drag or keyboard). JSON for scripts (200, 409 on a stale version, 400),
    otherwise a redirect back to the board with a message."""
    product = product_for(request.user, product_id, Role.EDITOR)
    item = _item_for(product, item_id)
    board_url = _safe_next(request, reverse("roadmaps:board", args=[product.pk]))
    form = MoveForm(request.POST)
    status, payload = 200, {}
    if not form.is_valid():
        status, payload = 400, {"errors": form.errors.get_json_data()}
    else:
        try:
            lane, after = _move_target(item, form)
            services.item_move(
                item=item,
                by=Actor.web(request),
                expected_version=form.cleaned_data["version"],
                lane=lane,
                after=after,
            )
        except VersionConflict:
            status = 409
            payload = {
                "message": f"Someone changed “{item.title}” meanwhile; it was not moved. "
                "The board now shows the saved order."
            }
        except ValidationError as error:
            status, payload = 400, {"errors": _field_errors(error)}
        else:
            payload = {
                "item": {"id": item.pk, "version": item.version, "lane": item.lane},
                "message": f"Moved “{item.title}” to {item.get_lane_display()}.",
            }
    if _wants_json(request):
        return JsonResponse(payload, status=status)
    if status == 200:
        messages.success(request, payload["message"])
    elif status == 409:
        messages.error(request, payload["message"])
    else:
        messages.error(request, "That move could not be made; reload the board and try again.")
    return redirect(board_url)


# --- Item pages ---------------------------------------------------------------------------------


def _form_context(product, form, **extra) -> dict:
    themes = RoadmapItem.objects.themes_of(product)
    return {"product": product, "form": form, "theme_options": themes, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def item_create_view(request, product_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    initial = {}
    if request.GET.get("lane") in Lane.values:
        initial["lane"] = request.GET["lane"]
    form = RoadmapItemForm(request.POST or None, product=product, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        objectives = values.pop("objectives")
        try:
            item = services.item_create(
                by=Actor.web(request), product=product, objectives=objectives, **values
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added “{item.title}” to {item.get_lane_display()}.")
            return redirect(item)
    return render(
        request,
        "roadmaps/item_form.html",
        _form_context(product, form),
        status=400 if form.errors else 200,
    )


def _display(name: str, value) -> str:
    if name == "objectives":
        return ", ".join(row.title for row in value) or "—"
    if name in ("status", "lane"):
        return dict(Status.choices if name == "status" else Lane.choices).get(value, value)
    if name in ("start_date", "end_date"):
        return f"{value:%-d %b %Y}" if value else "—"
    if name == "team":
        return value.name if value else "No team"
    return "" if value is None else str(value)


def _refreshed(item: RoadmapItem) -> RoadmapItem:
    item.refresh_from_db()
    return item


def _item_page_context(product, item: RoadmapItem) -> dict:
    """The item's dependencies both ways, late flags, releases, objectives and activity."""
    blocked_by = list(
        Dependency.objects.filter(blocked=item).select_related("blocker__team").order_by("id")
    )
    blocks = list(
        Dependency.objects.filter(blocker=item).select_related("blocked__team").order_by("id")
    )
    late = late_blockers(
        starts_of([item]),
        [
            (dep.blocker_id, dep.blocked_id, dep.blocker.end_date, dep.blocker.title)
            for dep in blocked_by
        ],
    ).get(item.pk, [])
    activity = (
        Activity.objects.filter(
            target_type=ContentType.objects.get_for_model(RoadmapItem), target_id=str(item.pk)
        )
        .select_related("actor", "target_type")
        .order_by("-created_at", "-id")[:20]
    )
    return {
        "item": item,
        "blocked_by": blocked_by,
        "blocks": blocks,
        "late": late,
        "dependency_count": len(blocked_by) + len(blocks),
        "item_releases": list(item.releases.all()),
        "item_objectives": list(item.objectives.all()),
        # The PRDs describing this item (the reverse of Prd.roadmap_items), without their text.
        "item_prds": list(
            item.prds.only("id", "product_id", "title", "status").order_by("title", "id")
        ),
        "activity": list(activity),
        "editable": product.role.can_edit,
    }


def _dependency_form(product, item: RoadmapItem, data=None) -> DependencyAddForm:
    """The add-a-dependency form; its menu lists the product's other items by title."""
    items = list(
        RoadmapItem.objects.filter(product=product).only("id", "title").order_by("title", "id")
    )
    return DependencyAddForm(data, item=item, items=items)


def _item_with_counts(product, item_id) -> RoadmapItem:
    return get_object_or_404(RoadmapItem.objects.for_roadmap(product), pk=item_id)


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, product_id, item_id):
    """The item's page: its fields (a form for editors, read-only otherwise), dependencies,
    releases, evidence and activity. A save merges a colleague's save of other fields and
    shows the conflict for fields both changed (409)."""
    minimum = Role.EDITOR if request.method == "POST" else Role.VIEWER
    product = product_for(request.user, product_id, minimum)
    item = _item_with_counts(product, item_id)
    conflict = None
    form = None
    status = 200
    if product.role.can_edit:
        if request.method == "POST":
            # Unbound from the instance, as on the product settings page: the versioned update
            # must see the row as it was read.
            form = RoadmapItemEditForm(request.POST, product=product)
        else:
            form = RoadmapItemEditForm(
                instance=item, initial=RoadmapItemEditForm.initial_for(item), product=product
            )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            diff, merged = save_merging(
                lambda row, **kw: services.item_update(item=row, by=Actor.web(request), **kw),
                item,
                expected_version=form.cleaned_data["version"],
                values=values,
                originals=form.originals(),
                read=item_field_value,
                token=item_field_token,
                # The merged save goes against the row as it is now.
                retry_on=lambda current: _refreshed(item),
            )
        except VersionConflict as error:
            if error.current is None:
                messages.error(request, "The item was deleted meanwhile; nothing was saved.")
                return redirect("roadmaps:timeline", product_id=product.pk)
            conflict = conflict_rows(
                form,
                values,
                error.current,
                error.clashes,
                read=item_field_value,
                token=item_field_token,
                show=_display,
            )
            form = RoadmapItemEditForm.rebased_on(values, error.current, product=product)
            # The page around the form shows the item as it is saved now.
            error.current.insight_count = item.insight_count
            item = error.current
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message(diff, merged))
            return redirect(item)
    if form is not None and form.errors and status == 200:
        status = 400
    context = _form_context(product, form, conflict=conflict)
    context.update(_item_page_context(product, item))
    if product.role.can_edit:
        context["dependency_form"] = _dependency_form(product, item)
    return render(request, "roadmaps/item_detail.html", context, status=status)


@login_required
@require_POST
def item_delete_view(request, product_id, item_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    item = _item_for(product, item_id)
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The delete request was incomplete; nothing was deleted.")
        return redirect(item)
    try:
        services.item_delete(
            item=item, by=Actor.web(request), expected_version=form.cleaned_data["version"]
        )
    except VersionConflict:
        messages.error(
            request,
            "Someone changed this item while you were looking at it; nothing was deleted. "
            "Check it below and try again.",
        )
        return redirect(item)
    messages.success(request, f"Deleted “{item.title}” and its dependencies.")
    return redirect("roadmaps:timeline", product_id=product.pk)


@login_required
@require_POST
def dependency_add(request, product_id, item_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    item = _item_with_counts(product, item_id)
    dependency_form = _dependency_form(product, item, request.POST)
    if dependency_form.is_valid():
        blocker, blocked = dependency_form.ends(item)
        try:
            services.dependency_create(
                by=Actor.web(request), product=product, blocker=blocker, blocked=blocked
            )
        except ValidationError as error:
            for messages_ in error.message_dict.values():
                dependency_form.add_error("other", messages_)
        else:
            messages.success(request, f"“{blocker.title}” now blocks “{blocked.title}”.")
            return redirect(item.get_absolute_url() + "#dependencies")
    form = RoadmapItemEditForm(
        instance=item, initial=RoadmapItemEditForm.initial_for(item), product=product
    )
    context = _form_context(product, form, conflict=None, dependency_form=dependency_form)
    context.update(_item_page_context(product, item))
    return render(request, "roadmaps/item_detail.html", context, status=400)


@login_required
@require_POST
def dependency_remove(request, product_id, dependency_id):
    product = product_for(request.user, product_id, Role.EDITOR)
    dependency = get_object_or_404(
        Dependency.objects.select_related("blocker", "blocked"), product=product, pk=dependency_id
    )
    back = _safe_next(request, dependency.blocked.get_absolute_url())
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The request was incomplete; nothing was removed.")
        return redirect(back)
    try:
        services.dependency_delete(
            dependency=dependency,
            by=Actor.web(request),
            expected_version=form.cleaned_data["version"],
        )
    except VersionConflict:
        messages.error(request, "That dependency was already removed.")
        return redirect(back)
    messages.success(
        request, f"“{dependency.blocker.title}” no longer blocks “{dependency.blocked.title}”."
    )
    return redirect(back)
