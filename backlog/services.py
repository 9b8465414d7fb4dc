"""Writes to the backlog, shared by pages, the API, the CSV import and the demo seeder.

Who may call what is the caller's check (``products.permissions``); what a role alone cannot
decide is checked here: a contributor changes only ``CONTRIBUTOR_FIELDS`` of an item
(``check_fields_for_role``), an item is not done while a blocker is open, a sprint holds only
its team's items, dependencies never form a cycle. Every write that can move a forecast marks
the product's roadmap forecasts stale (one small row; see ``backlog.forecast``).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from lodestar.concurrency import VersionConflict, apply_changes
from lodestar.graphs import closing_cycle
from lodestar.markdown import render_html
from lodestar.ranking import RANK_STEP, rank_after, rank_before
from prds.models import AcceptanceCriterion
from products.activity import Actor, activity_record
from products.models import Product, Role
from products.writes import (
    check_in_product,
    check_member,
    logged_create,
    logged_delete,
    logged_update,
)
from roadmaps.models import Team

from .models import (
    OPEN_STATUSES,
    BacklogItem,
    ForecastState,
    ItemDependency,
    ItemStatus,
    RankChange,
    Sprint,
    SprintState,
)

# What an engineer (contributor) may change on an item; everything else needs an editor.
CONTRIBUTOR_FIELDS = frozenset({"status", "estimate", "assignee", "sprint", "version"})
LABEL_MAX_LENGTH = 50
LABELS_MAX_COUNT = 20
RICE_INPUTS = ("reach", "impact", "confidence", "effort")
WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "job_size")
# Fields whose change can move a forecast (the rank moves through item_rerank).
FORECAST_FIELDS = frozenset({"estimate", "status", "team", "roadmap_item", "sprint"})
SCORES = {"rice": "rice_score", "wsjf": "wsjf_score"}


def check_fields_for_role(role: Role, fields: Iterable[str]) -> None:
    """Refuse (403) a change by a contributor to anything but status, estimate, assignee and
    sprint; editors and admins change everything."""
    if Role(role).includes(Role.EDITOR):
        return
    refused = sorted(set(fields) - CONTRIBUTOR_FIELDS)
    if refused:
        raise PermissionDenied(
            "Contributors change an item's status, estimate, assignee and sprint; "
            f"changing {', '.join(refused)} needs an editor."
        )


def mark_forecasts_stale(product: Product) -> None:
    updated = ForecastState.objects.filter(product=product, stale=False).update(stale=True)
    if not updated:
        ForecastState.objects.get_or_create(product=product, defaults={"stale": True})


def _lock_product(product: Product) -> None:
    """Serialise the product's rank and graph changes: two reranks at once both keep their
    moves (the second sees the first's rank), two new edges cannot close a cycle unseen."""
    list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk"))


# --- Derived values ------------------------------------------------------------------------------


def normalise_labels(raw: str | Iterable[str] | None) -> str:
    """Labels as stored: unique, in the order given, space-framed (" api mobile ")."""
    if raw is None:
        return ""
    words = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    labels: list[str] = []
    for word in words:
        word = str(word).strip()
        if not word:
            continue
        if any(character.isspace() for character in word):
            raise ValidationError({"labels": f"A label has no spaces: “{word}”."})
        if len(word) > LABEL_MAX_LENGTH:
            raise ValidationError(
                {"labels": f"A label is at most {LABEL_MAX_LENGTH} characters: “{word[:60]}…”."}
            )
        if word not in labels:
            labels.append(word)
    if len(labels) > LABELS_MAX_COUNT:
        raise ValidationError({"labels": f"An item has at most {LABELS_MAX_COUNT} labels."})
    return f" {' '.join(labels)} " if labels else ""


def rice_score(reach, impact, confidence, effort) -> float | None:
    if None in (reach, impact, confidence, effort) or Decimal(effort) <= 0:
        return None
    return round(float(reach) * float(impact) * float(confidence) / 100 / float(effort), 2)


def wsjf_score(business_value, time_criticality, risk_reduction, job_size) -> float | None:
    if None in (business_value, time_criticality, risk_reduction, job_size) or job_size <= 0:
        return None
    return round((business_value + time_criticality + risk_reduction) / job_size, 2)


def derived_values(values: dict[str, Any], item: BacklogItem | None = None) -> dict[str, Any]:
    """The stored values that follow from ``values`` (over ``item``'s): scores, rendered
    description, stored labels, when the item was done."""

    def current(field):
        return values[field] if field in values else getattr(item, field, None)

    derived: dict[str, Any] = {}
    if any(field in values for field in RICE_INPUTS) or item is None:
        derived["rice_score"] = rice_score(*(current(field) for field in RICE_INPUTS))
    if any(field in values for field in WSJF_INPUTS) or item is None:
        derived["wsjf_score"] = wsjf_score(*(current(field) for field in WSJF_INPUTS))
    if "description" in values:
        derived["description_html"] = render_html(values["description"] or "")
    if "labels" in values:
        derived["labels"] = normalise_labels(values["labels"])
    if "status" in values:
        was_done = item is not None and item.status == ItemStatus.DONE
        if values["status"] == ItemStatus.DONE and not was_done:
            derived["done_at"] = timezone.now()
        elif values["status"] != ItemStatus.DONE:
            derived["done_at"] = None
    return derived


# --- Items ---------------------------------------------------------------------------------------


def open_blockers(item: BacklogItem) -> list[BacklogItem]:
    return list(
        BacklogItem.objects.filter(blocks__blocked=item, status__in=OPEN_STATUSES).order_by(
            "rank", "id"
        )
    )


def _check_item(product: Product, values: dict[str, Any], item: BacklogItem | None) -> None:
    check_in_product(product, "team", [values.get("team")])
    check_in_product(product, "sprint", [values.get("sprint")])
    check_in_product(product, "roadmap_item", [values.get("roadmap_item")])
    if "assignee" in values:
        check_member(product, "assignee", values["assignee"], minimum=Role.CONTRIBUTOR)
    sprint = values.get("sprint", item.sprint if item else None)
    if "sprint" in values and sprint is not None:
        if sprint.state == SprintState.CLOSED and (item is None or item.sprint_id != sprint.pk):
            raise ValidationError({"sprint": f"“{sprint.name}” is closed; plan a later sprint."})
        team = values.get("team", item.team if item else None)
        if team is None:
            values["team"] = sprint.team
        elif team.pk != sprint.team_id:
            raise ValidationError(
                {"sprint": f"“{sprint.name}” is a sprint of {sprint.team}, not of {team}."}
            )
    elif "team" in values and item is not None and item.sprint_id is not None:
        team = values["team"]
        if team is None or team.pk != item.sprint.team_id:
            # Leaving the team leaves its sprint too.
            values["sprint"] = None
    if item is not None and values.get("status") == ItemStatus.DONE and item.is_open:
        blockers = open_blockers(item)
        if blockers:
            names = ", ".join(f"{blocker.key} “{blocker}”" for blocker in blockers[:5])
            more = f" and {len(blockers) - 5} more" if len(blockers) > 5 else ""
            raise ValidationError(
                {"status": f"It is still blocked by {names}{more}: finish those first."}
            )


def _check_criteria(product: Product, criteria: list[AcceptanceCriterion]) -> None:
    for criterion in criteria:
        if criterion.prd.product_id != product.pk:
            raise ValidationError({"criteria": f"“{criterion}” belongs to another product."})


def _rank_at_end(product: Product) -> float:
    last = BacklogItem.objects.filter(product=product).aggregate(models.Max("rank"))["rank__max"]
    return (last or 0) + RANK_STEP


@transaction.atomic
def item_create(
    *,
    by: Actor,
    product: Product,
    criteria: Iterable[AcceptanceCriterion] = (),
    **values: Any,
) -> BacklogItem:
    """Add an item at the bottom of the backlog (the TPM ranks it from there)."""
    criteria = list(criteria)
    _check_item(product, values, None)
    _check_criteria(product, criteria)
    if values.get("status") == ItemStatus.DONE:
        values["done_at"] = timezone.now()
    values.update(derived_values(values))
    _lock_product(product)
    values["rank"] = _rank_at_end(product)
    item = logged_create(
        BacklogItem,
        by=by,
        product=product,
        values={"product": product, **values},
        links={"criteria": criteria},
    )
    mark_forecasts_stale(product)
    return item


@transaction.atomic
def item_update(
    *,
    item: BacklogItem,
    by: Actor,
    expected_version: int,
    criteria: Iterable[AcceptanceCriterion] | None = None,
    **changes: Any,
) -> dict[str, list]:
    """Change an item's fields and criteria links as one versioned write."""
    product = item.product
    if criteria is not None:
        criteria = list(criteria)
        _check_criteria(product, criteria)
    _check_item(product, changes, item)
    changes.update(derived_values(changes, item))
    diff = logged_update(
        item,
        by=by,
        product=product,
        expected_version=expected_version,
        changes=changes,
        links={"criteria": criteria},
    )
    if FORECAST_FIELDS & set(diff):
        mark_forecasts_stale(product)
    return diff


@transaction.atomic
def item_delete(*, item: BacklogItem, by: Actor, expected_version: int) -> None:
    logged_delete(
        item, by=by, product=item.product, expected_version=expected_version, label="title"
    )
    mark_forecasts_stale(item.product)


@transaction.atomic
def item_rerank(
    *,
    item: BacklogItem,
    by: Actor,
    expected_version: int | None = None,
    before: BacklogItem | None = None,
    after: BacklogItem | None = None,
) -> dict[str, list]:
    """Put ``item`` right before ``before`` or right after ``after`` (exactly one of them).

    Writes the moved row (its rank goes halfway between its new neighbours) and now and then a
    few neighbours' ranks (lodestar.ranking). Reranks of one product run one at a time, so two
    people dragging at once both keep their moves. Without ``expected_version`` the move applies
    to the item as it is now: a move says where, not what, so it cannot undo a colleague's edit.
    """
    if (before is None) == (after is None):
        raise ValidationError({"before": "Name the item to put it before, or the one after."})
    anchor = before or after
    field = "before" if before is not None else "after"
    if anchor.product_id != item.product_id:
        raise ValidationError({field: f"“{anchor}” belongs to another product."})
    if anchor.pk == item.pk:
        raise ValidationError({field: "An item cannot move next to itself."})
    _lock_product(item.product)
    current = BacklogItem.objects.filter(pk=item.pk).values_list("version", flat=True).first()
    if current is None:
        raise VersionConflict(None)
    if expected_version is not None and expected_version != current:
        raise VersionConflict(BacklogItem.objects.get(pk=item.pk))
    others = BacklogItem.objects.filter(product_id=item.product_id).exclude(pk=item.pk)
    if before is not None:
        rank = rank_before(others, "rank", before.pk)
    else:
        rank = rank_after(others, "rank", after.pk)
    item.version = current
    apply_changes(item, expected_version=current, changes={"rank": rank})
    activity_record(
        actor=by,
        verb="reranked",
        target=item,
        product=item.product,
        changes={"position": [None, f"{field} {anchor.key} “{anchor}”"]},
    )
    mark_forecasts_stale(item.product)
    return {"rank": [None, rank]}


# --- Prioritisation ------------------------------------------------------------------------------


@transaction.atomic
def apply_score_order(
    *, by: Actor, product: Product, items: models.QuerySet[BacklogItem], score: str
) -> RankChange | None:
    """Rerank ``items`` (a filtered list of the product's) by ``score`` (rice or wsjf), highest
    first, as one undoable action.

    The items keep the rank slots they hold between them, so items outside the filter do not
    move; items without that score keep their places after the scored ones. Returns None when
    the order already is the score order.
    """
    if score not in SCORES:
        raise ValidationError({"score": "Order by rice or wsjf."})
    _lock_product(product)
    field = SCORES[score]
    rows = list(
        items.filter(product=product).order_by("rank", "id").values_list("pk", "rank", field)
    )
    slots = [rank for _, rank, _ in rows]
    scored = sorted((row for row in rows if row[2] is not None), key=lambda row: -row[2])
    unscored = [row for row in rows if row[2] is None]
    new_order = scored + unscored
    moves = {pk: slot for (pk, old, _), slot in zip(new_order, slots, strict=True) if old != slot}
    if not moves:
        return None
    previous = {str(pk): old for pk, old, _ in rows if pk in moves}
    change = RankChange.objects.create(
        product=product,
        created_by=by.user,
        description=f"Ordered {len(rows)} items by {score.upper()} score",
        previous_ranks=previous,
    )
    _write_ranks(moves)
    activity_record(
        actor=by,
        verb="reranked",
        target=change,
        product=product,
        changes={"order": [None, f"{len(moves)} of {len(rows)} items by {score.upper()}"]},
    )
    mark_forecasts_stale(product)
    return change


def _write_ranks(ranks: dict[int, float]) -> None:
    rows = [BacklogItem(pk=pk, rank=rank) for pk, rank in ranks.items()]
    BacklogItem.objects.bulk_update(rows, ["rank"], batch_size=500)


@transaction.atomic
def rank_change_undo(*, by: Actor, change: RankChange) -> int:
    """Put the items a score order moved back where they were; only the product's latest
    score order can be undone (an earlier one would undo the later one's moves too)."""
    _lock_product(change.product)
    change = RankChange.objects.select_for_update().get(pk=change.pk)
    if change.undone_at is not None:
        raise ValidationError({"change": "This reorder has already been undone."})
    latest = RankChange.objects.filter(product=change.product, undone_at=None).first()
    if latest is not None and latest.pk != change.pk:
        raise ValidationError(
            {"change": "Only the latest reorder can be undone; undo that one first."}
        )
    existing = set(
        BacklogItem.objects.filter(
            product=change.product, pk__in=[int(pk) for pk in change.previous_ranks]
        ).values_list("pk", flat=True)
    )
    previous = change.previous_ranks.items()
    _write_ranks({int(pk): rank for pk, rank in previous if int(pk) in existing})
    change.undone_at = timezone.now()
    change.save(update_fields=["undone_at"])
    activity_record(
        actor=by,
        verb="undone",
        target=change,
        product=change.product,
        changes={"order": [change.description, None]},
    )
    mark_forecasts_stale(change.product)
    return len(existing)


# --- Dependencies --------------------------------------------------------------------------------


@transaction.atomic
def dependency_create(
    *, by: Actor, product: Product, blocker: BacklogItem, blocked: BacklogItem
) -> ItemDependency:
    """Record that ``blocker`` must be done before ``blocked``; refuses self-links, links across
    products, duplicates and cycles (naming the cycle)."""
    check_in_product(product, "blocker", [blocker])
    check_in_product(product, "blocked", [blocked])
    if blocker.pk == blocked.pk:
        raise ValidationError({"blocked": "An item cannot block itself."})
    _lock_product(product)
    if ItemDependency.objects.filter(blocker=blocker, blocked=blocked).exists():
        raise ValidationError({"blocked": f"{blocker.key} already blocks {blocked.key}."})
    edges = ItemDependency.objects.filter(product=product).values_list("blocker_id", "blocked_id")
    cycle = closing_cycle(edges, blocker.pk, blocked.pk)
    if cycle:
        titles = dict(BacklogItem.objects.filter(pk__in=cycle).values_list("pk", "title"))
        path = " → ".join(f"#{pk} “{titles[pk]}”" for pk in cycle)
        raise ValidationError(
            {"blocked": f"This would make a cycle: {path}. Remove one of those links first."}
        )
    try:
        with transaction.atomic():
            dependency = ItemDependency.objects.create(
                product=product, blocker=blocker, blocked=blocked
            )
    except IntegrityError:
        raise ValidationError({"blocked": f"{blocker.key} already blocks {blocked.key}."}) from None
    activity_record(
        actor=by,
        verb="created",
        target=dependency,
        product=product,
        values={"blocker": str(blocker), "blocked": str(blocked)},
    )
    return dependency


@transaction.atomic
def dependency_delete(*, dependency: ItemDependency, by: Actor, expected_version: int) -> None:
    logged_delete(
        dependency,
        by=by,
        product=dependency.product,
        expected_version=expected_version,
        label="dependency",
    )


# --- Sprints -------------------------------------------------------------------------------------


def _check_sprint(product: Product, values: dict[str, Any], sprint: Sprint | None) -> None:
    check_in_product(product, "team", [values.get("team")])
    start = values.get("start_date", sprint.start_date if sprint else None)
    end = values.get("end_date", sprint.end_date if sprint else None)
    if start and end and end < start:
        raise ValidationError({"end_date": "A sprint ends on or after the day it starts."})
    if start and end and (end - start).days > 90:
        raise ValidationError({"end_date": "A sprint is at most 13 weeks long."})
    team = values.get("team", sprint.team if sprint else None)
    name = values.get("name")
    if team is not None and name is not None:
        clash = Sprint.objects.filter(team=team, name=name)
        if sprint is not None:
            clash = clash.exclude(pk=sprint.pk)
        if clash.exists():
            raise ValidationError({"name": f"{team} already has a sprint called “{name}”."})
    if values.get("state") == SprintState.CLOSED and (sprint is None or not sprint.is_closed):
        raise ValidationError({"state": "Close a sprint with “Close sprint”, which records it."})
    if (
        sprint is not None
        and sprint.is_closed
        and "state" in values
        and (values["state"] != SprintState.CLOSED)
    ):
        raise ValidationError({"state": "A closed sprint stays closed: its velocity is recorded."})
    if (
        sprint is not None
        and sprint.is_closed
        and "team" in values
        and (values["team"].pk != sprint.team_id)
    ):
        raise ValidationError({"team": "A closed sprint's team cannot change."})
    moves_team = sprint is not None and "team" in values and values["team"].pk != sprint.team_id
    if moves_team and sprint.items.exists():
        raise ValidationError(
            {"team": "Move this sprint's items out before giving it to another team."}
        )


@transaction.atomic
def sprint_create(*, by: Actor, product: Product, **values: Any) -> Sprint:
    _check_sprint(product, values, None)
    return logged_create(Sprint, by=by, product=product, values={"product": product, **values})


@transaction.atomic
def sprint_update(*, sprint: Sprint, by: Actor, expected_version: int, **changes) -> dict:
    _check_sprint(sprint.product, changes, sprint)
    diff = logged_update(
        sprint, by=by, product=sprint.product, expected_version=expected_version, changes=changes
    )
    if diff:
        mark_forecasts_stale(sprint.product)
    return diff


@transaction.atomic
def sprint_delete(*, sprint: Sprint, by: Actor, expected_version: int) -> None:
    """Delete a sprint; its items go back to the backlog (a closed sprint takes its velocity
    with it, which the page says before asking)."""
    logged_delete(
        sprint, by=by, product=sprint.product, expected_version=expected_version, label="name"
    )
    mark_forecasts_stale(sprint.product)


def sprint_points(sprint: Sprint) -> dict[str, int]:
    """Points in the sprint now: committed (all its items) and completed (its done items)."""
    totals = sprint.items.aggregate(
        committed=Sum("estimate", default=0),
        completed=Sum("estimate", default=0, filter=Q(status=ItemStatus.DONE)),
    )
    return {"committed": totals["committed"], "completed": totals["completed"]}


def next_sprint(sprint: Sprint) -> Sprint | None:
    """The team's next sprint that is not closed: where unfinished work carries over."""
    return (
        Sprint.objects.filter(team_id=sprint.team_id)
        .exclude(state=SprintState.CLOSED)
        .exclude(pk=sprint.pk)
        .filter(start_date__gte=sprint.start_date)
        .order_by("start_date", "id")
        .first()
    )


@transaction.atomic
def sprint_close(
    *,
    sprint: Sprint,
    by: Actor,
    expected_version: int,
    carry_to: Sprint | None = None,
    carry_to_backlog: bool = False,
) -> dict[str, int]:
    """Close the sprint: record committed and completed points (its velocity) and move its
    unfinished items to ``carry_to``, else to the team's next open sprint, else (or with
    ``carry_to_backlog``) back to the backlog, keeping their rank."""
    locked = Sprint.objects.select_for_update().filter(pk=sprint.pk).first()
    if locked is None or locked.version != expected_version:
        raise VersionConflict(locked)
    if locked.is_closed:
        raise ValidationError({"state": "This sprint is already closed."})
    if carry_to is not None:
        if carry_to.team_id != sprint.team_id or carry_to.pk == sprint.pk:
            raise ValidationError({"carry_to": "Carry work over to another sprint of the team."})
        if carry_to.is_closed:
            raise ValidationError({"carry_to": f"“{carry_to.name}” is closed."})
    elif not carry_to_backlog:
        carry_to = next_sprint(sprint)
    points = sprint_points(sprint)
    carried = points["committed"] - points["completed"]
    unfinished = BacklogItem.objects.filter(sprint=sprint).exclude(status=ItemStatus.DONE)
    moved = unfinished.update(
        sprint=carry_to, version=models.F("version") + 1, updated_at=timezone.now()
    )
    logged_update(
        sprint,
        by=by,
        product=sprint.product,
        expected_version=expected_version,
        changes={
            "state": SprintState.CLOSED,
            "committed_points": points["committed"],
            "completed_points": points["completed"],
            "carried_over_points": carried,
            "closed_at": timezone.now(),
        },
        verb="closed",
    )
    if moved:
        activity_record(
            actor=by,
            verb="carried over",
            target=sprint,
            product=sprint.product,
            changes={"items": [moved, str(carry_to) if carry_to else "backlog"]},
        )
    mark_forecasts_stale(sprint.product)
    return {**points, "carried_over": carried, "moved_items": moved}


def sprint_default_dates(team: Team, today: datetime.date | None = None) -> tuple:
    """Where a team's next sprint would go: the day after its last one, as long as the last
    one (two weeks when it has none)."""
    today = today or timezone.localdate()
    last = Sprint.objects.filter(team=team).order_by("-end_date", "-id").first()
    if last is None:
        return today, today + datetime.timedelta(days=13)
    start = last.end_date + datetime.timedelta(days=1)
    return start, start + datetime.timedelta(days=last.days - 1)
