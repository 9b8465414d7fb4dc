"""Workflows on the roadmap, shared by pages, the API, tasks and the demo seeder.

Every write checks what a form or serializer cannot see alone: that the rows it links belong to
the same product, that dates are in order, that a dependency closes no cycle, that a release is
ready to ship. Each writes its rows and its activity entry in one transaction. Validation errors
are ``ValidationError({field: message})``, which pages show next to the field and the API returns
as field errors.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from lodestar.concurrency import apply_changes
from lodestar.graphs import closing_cycle
from lodestar.ranking import RANK_STEP, rank_after
from products.activity import Actor, activity_record
from products.models import Product
from products.writes import (
    check_in_product,
    check_member,
    logged_create,
    logged_delete,
    logged_update,
)

from .models import (
    SHARE_TOKEN_PREFIX,
    ChecklistEntry,
    ChecklistKind,
    Dependency,
    Insight,
    KeyResult,
    Lane,
    Objective,
    Release,
    ReleaseStatus,
    Risk,
    RiskStatus,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapView,
    ShareLink,
    Status,
    Team,
    Vision,
)
from .queries import snapshot_rows

# --- Shared steps -------------------------------------------------------------------------------


def _check_dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({"end_date": "The end date is before the start date."})


def _check_team_name(product: Product, name: str, team: Team | None = None) -> None:
    clash = Team.objects.filter(product=product, name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": f"{product} already has a team called “{name}”."})


@transaction.atomic
def team_create(*, by: Actor, product: Product, name: str, capacity_points: int = 0) -> Team:
    _check_team_name(product, name)
    values = {"product": product, "name": name, "capacity_points": capacity_points}
    return logged_create(Team, by=by, product=product, values=values)


@transaction.atomic
def team_update(*, team: Team, by: Actor, expected_version: int, **changes) -> dict[str, list]:
    if "name" in changes:
        _check_team_name(team.product, changes["name"], team)
    return logged_update(
        team, by=by, product=team.product, expected_version=expected_version, changes=changes
    )


@transaction.atomic
def team_delete(*, team: Team, by: Actor, expected_version: int) -> None:
    """Delete a team; its items stay on the roadmap without a team."""
    logged_delete(
        team, by=by, product=team.product, expected_version=expected_version, label="name"
    )


# --- Vision, objectives, key results ---------------------------------------------------------


def vision_of(product: Product) -> Vision:
    """The product's vision, created empty the first time anyone asks."""
    vision, _ = Vision.objects.get_or_create(product=product)
    vision.product = product
    return vision


@transaction.atomic
def vision_update(
    *, vision: Vision, by: Actor, expected_version: int, **changes
) -> dict[str, list]:
    return logged_update(
        vision, by=by, product=vision.product, expected_version=expected_version, changes=changes
    )


@transaction.atomic
def objective_create(
    *, by: Actor, product: Product, title: str, description: str = ""
) -> Objective:
    last = Objective.objects.filter(product=product).aggregate(models.Max("position"))
    values = {
        "product": product,
        "title": title,
        "description": description,
        "position": (last["position__max"] or 0) + 1,
    }
    return logged_create(Objective, by=by, product=product, values=values)


@transaction.atomic
def objective_update(
    *, objective: Objective, by: Actor, expected_version: int, **changes
) -> dict[str, list]:
    return logged_update(
        objective,
        by=by,
        product=objective.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def objective_delete(*, objective: Objective, by: Actor, expected_version: int) -> None:
    """Delete an objective and its key results; items lose the link, nothing else."""
    logged_delete(
        objective,
        by=by,
        product=objective.product,
        expected_version=expected_version,
        label="title",
    )


def _check_target(target) -> None:
    if target is not None and target == 0:
        raise ValidationError({"target": "A target of zero cannot measure progress."})


@transaction.atomic
def key_result_create(*, by: Actor, objective: Objective, **values) -> KeyResult:
    _check_target(values.get("target"))
    last = KeyResult.objects.filter(objective=objective).aggregate(models.Max("position"))
    values = {"objective": objective, "position": (last["position__max"] or 0) + 1, **values}
    return logged_create(KeyResult, by=by, product=objective.product, values=values)


@transaction.atomic
def key_result_update(
    *, key_result: KeyResult, by: Actor, expected_version: int, **changes
) -> dict[str, list]:
    _check_target(changes.get("target"))
    return logged_update(
        key_result,
        by=by,
        product=key_result.objective.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def key_result_delete(*, key_result: KeyResult, by: Actor, expected_version: int) -> None:
    logged_delete(
        key_result,
        by=by,
        product=key_result.objective.product,
        expected_version=expected_version,
        label="title",
    )


# --- Roadmap items -----------------------------------------------------------------------------


def _rank_at_end(product: Product, lane: str) -> float:
    last = RoadmapItem.objects.filter(product=product, lane=lane).aggregate(models.Max("lane_rank"))
    return (last["lane_rank__max"] or 0) + RANK_STEP


def _check_item(product: Product, values: dict[str, Any], item: RoadmapItem | None = None) -> None:
    start = values.get("start_date", item.start_date if item else None)
    end = values.get("end_date", item.end_date if item else None)
    _check_dates(start, end)
    check_in_product(product, "team", [values.get("team")])


@transaction.atomic
def item_create(
    *, by: Actor, product: Product, objectives: Iterable[Objective] = (), **values
) -> RoadmapItem:
    """Add an item at the end of its lane."""
    objectives = list(objectives)
    _check_item(product, values)
    check_in_product(product, "objectives", objectives)
    values.setdefault("lane", Lane.NEXT)
    values["lane_rank"] = _rank_at_end(product, values["lane"])
    return logged_create(
        RoadmapItem,
        by=by,
        product=product,
        values={"product": product, **values},
        links={"objectives": objectives},
    )


@transaction.atomic
def item_update(
    *,
    item: RoadmapItem,
    by: Actor,
    expected_version: int,
    objectives: Iterable[Objective] | None = None,
    **changes,
) -> dict[str, list]:
    """Change an item's fields (a drag on the timeline is one of these: two dates)."""
    _check_item(item.product, changes, item)
    if objectives is not None:
        objectives = list(objectives)
        check_in_product(item.product, "objectives", objectives)
    if "lane" in changes and changes["lane"] != item.lane:
        changes["lane_rank"] = _rank_at_end(item.product, changes["lane"])
    return logged_update(
        item,
        by=by,
        product=item.product,
        expected_version=expected_version,
        changes=changes,
        links={"objectives": objectives},
    )


@transaction.atomic
def item_move(
    *,
    item: RoadmapItem,
    by: Actor,
    expected_version: int,
    lane: str,
    after: RoadmapItem | None = None,
) -> dict[str, list]:
    """Put an item in ``lane`` right after ``after`` (or first, when ``after`` is None).

    Only the moved row is written: its rank goes halfway between its new neighbours. When the
    gap has worn out, the lane's ranks are spread again (ranks only, no version bump, so a
    colleague editing another card is not told it conflicted).
    """
    if lane not in Lane.values:
        raise ValidationError({"lane": f"“{lane}” is not a lane; use now, next or later."})
    if after is not None and (
        after.product_id != item.product_id or after.lane != lane or after.pk == item.pk
    ):
        raise ValidationError({"after": "The card to drop after is not in that lane."})
    lane_items = RoadmapItem.objects.filter(product=item.product, lane=lane).exclude(pk=item.pk)
    rank = rank_after(lane_items, "lane_rank", after.pk if after else None)
    changes = {"lane": lane, "lane_rank": rank}
    return logged_update(
        item,
        by=by,
        product=item.product,
        expected_version=expected_version,
        changes=changes,
        verb="moved",
    )


@transaction.atomic
def item_delete(*, item: RoadmapItem, by: Actor, expected_version: int) -> None:
    """Delete an item with its dependencies; releases, risks and insights lose the link."""
    logged_delete(
        item, by=by, product=item.product, expected_version=expected_version, label="title"
    )


# --- Dependencies ------------------------------------------------------------------------------


def dependency_cycle(product: Product, blocker: RoadmapItem, blocked: RoadmapItem) -> list[int]:
    """The item ids of the cycle that ``blocker → blocked`` would close, or [] if none.

    A cycle exists when ``blocked`` already (transitively) blocks ``blocker``; the search walks
    the product's edges from ``blocked`` and returns the path ``blocker → blocked → … → blocker``.
    """
    edges = Dependency.objects.filter(product=product).values_list("blocker_id", "blocked_id")
    return closing_cycle(edges, blocker.pk, blocked.pk)


@transaction.atomic
def dependency_create(
    *, by: Actor, product: Product, blocker: RoadmapItem, blocked: RoadmapItem
) -> Dependency:
    """Record that ``blocker`` must finish before ``blocked``; refuses self-links, links across
    products, duplicates and cycles (naming the cycle)."""
    if blocker.product_id != product.pk:
        raise ValidationError({"blocker": f"“{blocker}” belongs to another product."})
    if blocked.product_id != product.pk:
        raise ValidationError({"blocked": f"“{blocked}” belongs to another product."})
    if blocker.pk == blocked.pk:
        raise ValidationError({"blocked": "An item cannot block itself."})
    # Serialise dependency changes per product: two edges added at once could close a cycle
    # that neither would see alone.
    list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk"))
    if Dependency.objects.filter(blocker=blocker, blocked=blocked).exists():
        raise ValidationError({"blocked": f"“{blocker}” already blocks “{blocked}”."})
    cycle = dependency_cycle(product, blocker, blocked)
    if cycle:
        titles = dict(RoadmapItem.objects.filter(pk__in=cycle).values_list("pk", "title"))
        path = " → ".join(f"“{titles[pk]}”" for pk in cycle)
        raise ValidationError(
            {"blocked": f"This would make a cycle: {path}. Remove one of those links first."}
        )
    try:
        with transaction.atomic():
            dependency = Dependency.objects.create(
                product=product, blocker=blocker, blocked=blocked
            )
    except IntegrityError:
        raise ValidationError({"blocked": f"“{blocker}” already blocks “{blocked}”."}) from None
    activity_record(
        actor=by,
        verb="created",
        target=dependency,
        product=product,
        values={"blocker": str(blocker), "blocked": str(blocked)},
    )
    return dependency


@transaction.atomic
def dependency_delete(*, dependency: Dependency, by: Actor, expected_version: int) -> None:
    logged_delete(
        dependency,
        by=by,
        product=dependency.product,
        expected_version=expected_version,
        label="dependency",
    )


# --- Releases and the readiness gate ----------------------------------------------------------


@transaction.atomic
def release_create(
    *,
    by: Actor,
    product: Product,
    name: str,
    date: datetime.date,
    description: str = "",
    items: Iterable[RoadmapItem] = (),
) -> Release:
    """Create a planned release with one open checklist entry of each kind."""
    items = list(items)
    check_in_product(product, "items", items)
    release = logged_create(
        Release,
        by=by,
        product=product,
        values={"product": product, "name": name, "date": date, "description": description},
        links={"items": items},
    )
    ChecklistEntry.objects.bulk_create(
        ChecklistEntry(release=release, kind=kind) for kind in ChecklistKind.values
    )
    return release


@transaction.atomic
def release_update(
    *,
    release: Release,
    by: Actor,
    expected_version: int,
    items: Iterable[RoadmapItem] | None = None,
    **changes,
) -> dict[str, list]:
    if items is not None:
        items = list(items)
        check_in_product(release.product, "items", items)
    if "status" in changes and changes["status"] != release.status:
        raise ValidationError({"status": "Ship a release with its ship action, not by editing."})
    return logged_update(
        release,
        by=by,
        product=release.product,
        expected_version=expected_version,
        changes=changes,
        links={"items": items},
    )


@transaction.atomic
def release_delete(*, release: Release, by: Actor, expected_version: int) -> None:
    logged_delete(
        release, by=by, product=release.product, expected_version=expected_version, label="name"
    )


@dataclass(frozen=True)
class ReadinessProblem:
    """One reason a release is not ready; ``kind`` is blocker, checklist or risk."""

    kind: str
    message: str


def releases_readiness(releases: Iterable[Release]) -> dict[int, list[ReadinessProblem]]:
    """Release id → why it cannot ship yet: unfinished blockers of its items, open checklist
    entries, open high risks on it or on its items (empty when ready). Four queries, whatever
    the number of releases."""
    ids = [release.pk for release in releases]
    problems: dict[int, list[ReadinessProblem]] = {pk: [] for pk in ids}
    releases_of_item: dict[int, list[int]] = {}
    for release_id, item_id in Release.items.through.objects.filter(release_id__in=ids).values_list(
        "release_id", "roadmapitem_id"
    ):
        releases_of_item.setdefault(item_id, []).append(release_id)

    blockers = (
        Dependency.objects.filter(blocked_id__in=list(releases_of_item))
        .exclude(blocker__status=Status.DONE)
        .select_related("blocker", "blocked")
        .order_by("blocked__title", "blocker__title")
    )
    for dependency in blockers:
        message = (
            f"“{dependency.blocked}” is blocked by “{dependency.blocker}”, "
            f"which is {dependency.blocker.get_status_display().lower()}."
        )
        for release_id in releases_of_item[dependency.blocked_id]:
            problems[release_id].append(ReadinessProblem("blocker", message))

    for entry in ChecklistEntry.objects.filter(release_id__in=ids, done=False).order_by("id"):
        problems[entry.release_id].append(
            ReadinessProblem("checklist", f"{entry.get_kind_display()} is not done.")
        )

    high_risks = (
        Risk.objects.filter(status=RiskStatus.OPEN)
        .high()
        .filter(models.Q(releases__in=ids) | models.Q(items__in=list(releases_of_item)))
        .values_list("pk", "title", "likelihood", "impact", "releases", "items")
        .order_by("-pk")
    )
    risks_of_release: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for risk_id, title, likelihood, impact, release_id, item_id in high_risks:
        message = f"High risk “{title}” is open (score {likelihood * impact})."
        for linked in [release_id, *releases_of_item.get(item_id, [])]:
            if linked in risks_of_release:
                risks_of_release[linked][risk_id] = message
    for release_id, risks in risks_of_release.items():
        problems[release_id].extend(ReadinessProblem("risk", message) for message in risks.values())
    return problems


def release_readiness(release: Release) -> list[ReadinessProblem]:
    """Why ``release`` cannot ship yet (see ``releases_readiness``); empty when it is ready."""
    return releases_readiness([release])[release.pk]


class ReleaseNotReady(ValidationError):
    """The readiness gate refused to ship; ``problems`` says why."""

    def __init__(self, problems: list[ReadinessProblem]):
        self.problems = problems
        super().__init__(
            {"override_reason": [problem.message for problem in problems]},
        )


@transaction.atomic
def release_ship(
    *,
    release: Release,
    by: Actor,
    expected_version: int,
    may_override: bool,
    override_reason: str = "",
) -> list[ReadinessProblem]:
    """Mark a release shipped if the readiness gate passes.

    When it does not, only someone who ``may_override`` (an admin) can ship anyway, and only
    with a reason; the reason and the problems it overrode go into the activity log. Returns
    the problems that were overridden (empty when the gate passed).
    """
    if release.is_shipped:
        raise ValidationError({"status": "This release has already shipped."})
    override_reason = override_reason.strip()
    problems = release_readiness(release)
    if problems:
        if not may_override:
            raise ReleaseNotReady(problems)
        if not override_reason:
            raise ValidationError(
                {
                    "override_reason": "The release is not ready: say why it ships anyway "
                    "(recorded in the activity log)."
                }
            )
    changes = {
        "status": ReleaseStatus.SHIPPED,
        "shipped_at": timezone.now(),
        "override_reason": override_reason if problems else "",
    }
    diff = apply_changes(release, expected_version=expected_version, changes=changes)
    if problems:
        diff["overridden"] = [None, [problem.message for problem in problems]]
    activity_record(
        actor=by,
        verb="shipped with override" if problems else "shipped",
        target=release,
        product=release.product,
        changes=diff,
    )
    return problems


@transaction.atomic
def checklist_entry_update(
    *, entry: ChecklistEntry, by: Actor, expected_version: int, **changes
) -> dict[str, list]:
    product = entry.release.product
    if entry.release.is_shipped:
        raise ValidationError({"done": "This release has shipped; its checklist is final."})
    if "owner" in changes:
        check_member(product, "owner", changes["owner"])
    return logged_update(
        entry, by=by, product=product, expected_version=expected_version, changes=changes
    )


# --- Risks and insights -------------------------------------------------------------------------


@transaction.atomic
def risk_create(
    *,
    by: Actor,
    product: Product,
    items: Iterable[RoadmapItem] = (),
    releases: Iterable[Release] = (),
    **values,
) -> Risk:
    items, releases = list(items), list(releases)
    check_member(product, "owner", values.get("owner"))
    check_in_product(product, "items", items)
    check_in_product(product, "releases", releases)
    return logged_create(
        Risk,
        by=by,
        product=product,
        values={"product": product, **values},
        links={"items": items, "releases": releases},
    )


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    by: Actor,
    expected_version: int,
    items: Iterable[RoadmapItem] | None = None,
    releases: Iterable[Release] | None = None,
    **changes,
) -> dict[str, list]:
    if "owner" in changes:
        check_member(risk.product, "owner", changes["owner"])
    items = None if items is None else list(items)
    releases = None if releases is None else list(releases)
    check_in_product(risk.product, "items", items or [])
    check_in_product(risk.product, "releases", releases or [])
    return logged_update(
        risk,
        by=by,
        product=risk.product,
        expected_version=expected_version,
        changes=changes,
        links={"items": items, "releases": releases},
    )


@transaction.atomic
def risk_delete(*, risk: Risk, by: Actor, expected_version: int) -> None:
    logged_delete(
        risk, by=by, product=risk.product, expected_version=expected_version, label="title"
    )


@transaction.atomic
def insight_create(
    *, by: Actor, product: Product, items: Iterable[RoadmapItem] = (), **values
) -> Insight:
    items = list(items)
    check_in_product(product, "items", items)
    return logged_create(
        Insight,
        by=by,
        product=product,
        values={"product": product, **values},
        links={"items": items},
    )


@transaction.atomic
def insight_update(
    *,
    insight: Insight,
    by: Actor,
    expected_version: int,
    items: Iterable[RoadmapItem] | None = None,
    **changes,
) -> dict[str, list]:
    items = None if items is None else list(items)
    check_in_product(insight.product, "items", items or [])
    return logged_update(
        insight,
        by=by,
        product=insight.product,
        expected_version=expected_version,
        changes=changes,
        links={"items": items},
    )


@transaction.atomic
def insight_delete(*, insight: Insight, by: Actor, expected_version: int) -> None:
    logged_delete(
        insight, by=by, product=insight.product, expected_version=expected_version, label="account"
    )


# --- Snapshots ----------------------------------------------------------------------------------


@transaction.atomic
def snapshot_create(
    *, by: Actor, product: Product, name: str, taken_at: datetime.datetime | None = None
) -> RoadmapSnapshot:
    """Freeze the product's roadmap as it is now under ``name``."""
    items = RoadmapItem.objects.filter(product=product).select_related("team").order_by("id")
    snapshot = RoadmapSnapshot.objects.create(
        product=product,
        name=name,
        items=snapshot_rows(items),
        created_by=by.user,
        created_at=taken_at or timezone.now(),
    )
    activity_record(
        actor=by,
        verb="created",
        target=snapshot,
        product=product,
        values={"name": name, "items": len(snapshot.items)},
    )
    return snapshot


@transaction.atomic
def snapshot_delete(*, snapshot: RoadmapSnapshot, by: Actor) -> None:
    activity_record(
        actor=by,
        verb="deleted",
        target=snapshot,
        product=snapshot.product,
        changes={"name": [snapshot.name, None]},
    )
    snapshot.delete()


# --- Share links --------------------------------------------------------------------------------

SHARE_FILTER_KEYS = ("team", "theme", "status", "lane", "objective", "release")


@transaction.atomic
def share_link_create(
    *,
    by: Actor,
    product: Product,
    name: str,
    view: str,
    filters: dict[str, str] | None = None,
    expires_at: datetime.datetime | None = None,
) -> tuple[ShareLink, str]:
    """Create a share link; returns it with its token, which is never shown again."""
    if view not in RoadmapView.values:
        raise ValidationError({"view": f"“{view}” is not a roadmap view."})
    filters = {key: str(value) for key, value in (filters or {}).items() if value not in ("", None)}
    unknown = sorted(set(filters) - set(SHARE_FILTER_KEYS))
    if unknown:
        raise ValidationError({"filters": f"Unknown filter: {', '.join(unknown)}."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    token = ShareLink.generate_token()
    link = ShareLink.objects.create(
        product=product,
        name=name,
        view=view,
        filters=filters,
        token_hash=ShareLink.hash_token(token),
        display_prefix=token[:10],
        expires_at=expires_at,
        created_by=by.user,
    )
    activity_record(
        actor=by,
        verb="created",
        target=link,
        product=product,
        values={"name": name, "view": view, "filters": filters, "expires_at": expires_at},
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, by: Actor, expected_version: int) -> None:
    """Revoke a link: its page answers 404 from now on. Revoking twice changes nothing."""
    if link.revoked_at is not None:
        return
    logged_update(
        link,
        by=by,
        product=link.product,
        expected_version=expected_version,
        changes={"revoked_at": timezone.now()},
        verb="revoked",
    )


def share_link_open(token: str) -> ShareLink | None:
    """The usable link behind ``token`` (recording the visit), or None: unknown, revoked and
    expired links are all the same to the public."""
    if not token.startswith(SHARE_TOKEN_PREFIX) or len(token) > 100:
        return None
    link = (
        ShareLink.objects.usable()
        .select_related("product")
        .filter(token_hash=ShareLink.hash_token(token))
        .first()
    )
    if link is not None:
        ShareLink.objects.filter(pk=link.pk).update(last_viewed_at=timezone.now())
    return link
