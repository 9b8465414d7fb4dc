"""What the roadmap views know about a set of items: which ones a filter keeps, which start before
their blockers end, and how today's roadmap differs from a snapshot."""

import datetime
from dataclasses import dataclass, field
from typing import Any

import django_filters

from products.models import Product

from .models import Dependency, Lane, Release, RoadmapItem, RoadmapSnapshot, Status, Team


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within the database's range (a bigger one matches nothing
    rather than overflowing the query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class RoadmapItemFilter(django_filters.FilterSet):
    """The filters of the timeline, board and list pages, of share links and of the API."""

    team = IdFilter(field_name="team_id", help_text="Team id.")
    theme = django_filters.CharFilter(field_name="theme", help_text="Theme, exactly.")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    lane = django_filters.ChoiceFilter(choices=Lane.choices)
    objective = IdFilter(field_name="objectives", help_text="Objective id.")
    release = IdFilter(field_name="releases", help_text="Release id.")
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", help_text="Part of the title."
    )

    class Meta:
        model = RoadmapItem
        fields = ["team", "theme", "status", "lane", "objective", "release", "q"]


@dataclass(frozen=True)
class LateBlocker:
    """A blocker that ends after the item it blocks starts."""

    blocker_id: int
    title: str
    end_date: datetime.date
    days: int

    @property
    def message(self) -> str:
        return (
            f"Blocked by “{self.title}”, which ends {self.end_date:%-d %b} "
            f"({self.days} day{'s' if self.days != 1 else ''} after this starts)."
        )


@dataclass
class Roadmap:
    """One product's roadmap as a page draws it."""

    product: Product
    items: list[RoadmapItem]
    # (blocker id, blocked id) among the shown items: the arrows.
    edges: list[tuple[int, int]]
    late: dict[int, list[LateBlocker]]
    releases: list[Release]
    teams: list[Team]
    themes: list[str]
    filtered: bool = False

    def lanes(self) -> list[tuple[Lane, list[RoadmapItem]]]:
        by_lane: dict[str, list[RoadmapItem]] = {lane: [] for lane in Lane.values}
        for item in self.items:
            by_lane[item.lane].append(item)
        return [(Lane(lane), items) for lane, items in by_lane.items()]


def late_blockers(
    starts: dict[int, datetime.date | None], dependencies: list[tuple[int, int, Any, str]]
) -> dict[int, list[LateBlocker]]:
    """Item id → its blockers that end after it starts, given the items' start dates and
    ``(blocker_id, blocked_id, blocker_end_date, blocker_title)`` for their dependencies (for
    the whole product on the roadmap pages, so a filter that hides a blocker does not hide
    the flag). Blockers keep the order of ``dependencies``."""
    late: dict[int, list[LateBlocker]] = {}
    for blocker_id, blocked_id, blocker_end, blocker_title in dependencies:
        start = starts.get(blocked_id)
        if start is not None and blocker_end is not None and blocker_end > start:
            days = (blocker_end - start).days
            late.setdefault(blocked_id, []).append(
                LateBlocker(blocker_id, blocker_title, blocker_end, days)
            )
    return late


def starts_of(items) -> dict[int, datetime.date | None]:
    return {item.pk: item.start_date for item in items}


def roadmap_for(
    product: Product,
    params: dict[str, Any] | None = None,
    *,
    order_by: tuple[str, ...] = (),
    links: bool = True,
) -> tuple[Roadmap, RoadmapItemFilter]:
    """The product's roadmap narrowed by ``params`` (the filters, as query parameters), with
    dependencies, late flags, releases, teams and themes. Seven queries, whatever the size;
    five with ``links=False``, which skips each item's objectives and releases (pages that do
    not show them save the two prefetch queries)."""
    items = RoadmapItem.objects.for_roadmap(product)
    if not links:
        items = items.prefetch_related(None)
    items = items.order_by(*(order_by or ("lane", "lane_rank", "id")))
    item_filter = RoadmapItemFilter(params or {}, queryset=items)
    shown = list(item_filter.qs)
    dependencies = list(
        Dependency.objects.filter(product=product).values_list(
            "blocker_id", "blocked_id", "blocker__end_date", "blocker__title"
        )
    )
    shown_ids = {item.pk for item in shown}
    edges = [
        (blocker, blocked)
        for blocker, blocked, _, _ in dependencies
        if blocker in shown_ids and blocked in shown_ids
    ]
    teams = list(Team.objects.filter(product=product))
    themes = RoadmapItem.objects.themes_of(product)
    roadmap = Roadmap(
        product=product,
        items=shown,
        edges=edges,
        late=late_blockers(starts_of(shown), dependencies),
        releases=list(Release.objects.filter(product=product)),
        teams=teams,
        themes=themes,
        filtered=any((params or {}).get(key) for key in item_filter.filters),
    )
    for item in shown:
        item.late_blockers = roadmap.late.get(item.pk, [])
    return roadmap, item_filter


# --- Snapshot compare ---------------------------------------------------------------------------


@dataclass
class ItemChange:
    id: int
    title: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    days: int = 0


@dataclass
class Comparison:
    """Today's roadmap against a snapshot."""

    snapshot: RoadmapSnapshot
    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    slipped: list[ItemChange] = field(default_factory=list)
    pulled_in: list[ItemChange] = field(default_factory=list)
    moved_lane: list[ItemChange] = field(default_factory=list)
    changed_status: list[ItemChange] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.slipped,
                self.pulled_in,
                self.moved_lane,
                self.changed_status,
            )
        )


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def snapshot_rows(items) -> list[dict[str, Any]]:
    """What a snapshot keeps of each item: enough to compare, nothing that can change later."""
    return [
        {
            "id": item.pk,
            "title": item.title,
            "lane": item.lane,
            "status": item.status,
            "start_date": item.start_date.isoformat() if item.start_date else None,
            "end_date": item.end_date.isoformat() if item.end_date else None,
            "team": item.team.name if item.team else None,
        }
        for item in items
    ]


def snapshot_compare(snapshot: RoadmapSnapshot, current: list[dict[str, Any]]) -> Comparison:
    """Compare ``current`` rows (shaped by ``snapshot_rows``)
    against the snapshot. An item slipped when its end date moved later, was pulled in when it
    moved earlier; ``days`` says by how much. Lists are ordered by title (slips: biggest first)."""
    before = {row["id"]: row for row in snapshot.items}
    after = {row["id"]: row for row in current}
    comparison = Comparison(snapshot=snapshot)
    for pk, row in after.items():
        old = before.get(pk)
        if old is None:
            comparison.added.append(ItemChange(pk, row["title"], None, row))
            continue
        change = ItemChange(pk, row["title"], old, row)
        old_end, new_end = _date(old["end_date"]), _date(row["end_date"])
        if old_end and new_end and new_end != old_end:
            days = (new_end - old_end).days
            target = comparison.slipped if days > 0 else comparison.pulled_in
            target.append(ItemChange(pk, row["title"], old, row, abs(days)))
        if old["lane"] != row["lane"]:
            comparison.moved_lane.append(change)
        if old["status"] != row["status"]:
            comparison.changed_status.append(change)
    for pk, row in before.items():
        if pk not in after:
            comparison.removed.append(ItemChange(pk, row["title"], row, None))
    for name in ("added", "removed", "moved_lane", "changed_status"):
        getattr(comparison, name).sort(key=lambda change: change.title.lower())
    comparison.slipped.sort(key=lambda change: (-change.days, change.title.lower()))
    comparison.pulled_in.sort(key=lambda change: (-change.days, change.title.lower()))
    return comparison


def snapshot_compare_now(snapshot: RoadmapSnapshot) -> Comparison:
    """The snapshot against the product's roadmap as it is now. One query."""
    items = (
        RoadmapItem.objects.filter(product_id=snapshot.product_id)
        .select_related("team")
        .order_by("id")
    )
    return snapshot_compare(snapshot, snapshot_rows(items))
