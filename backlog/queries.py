"""What the backlog views know: which items a filter keeps and in what order, the tech-debt share,
sprint loads, velocity and criteria coverage. Shared by the pages, the API and the CSV export."""

from dataclasses import dataclass

import django_filters
from django.db.models import Count, Q, Sum

from prds.models import AcceptanceCriterion, Prd
from products.models import Product
from roadmaps.models import Team
from roadmaps.queries import IdFilter

from .models import OPEN_STATUSES, BacklogItem, ItemStatus, ItemType, Sprint, SprintState

# ?order= values: the manual rank, or a score (highest first), or size, or age.
ORDERINGS = {
    "rank": ("rank", "id"),
    "rice": ("-rice_score", "rank", "id"),
    "wsjf": ("-wsjf_score", "rank", "id"),
    "estimate": ("-estimate", "rank", "id"),
    "newest": ("-created_at", "-id"),
}
VELOCITY_WINDOW_DEFAULT = 3


class NoneOrIdFilter(django_filters.CharFilter):
    """A row id, or ``none`` for items without one (no team, no sprint, unassigned)."""

    def filter(self, queryset, value):
        if value in (None, ""):
            return queryset
        if value == "none":
            return queryset.filter(**{f"{self.field_name}__isnull": True})
        if not value.isdigit() or int(value) > 2**63 - 1:
            return queryset.none()
        return queryset.filter(**{self.field_name: int(value)})


class BacklogFilter(django_filters.FilterSet):
    """The filters of the backlog page, its CSV export, "apply score order" and the API."""

    q = django_filters.CharFilter(method="filter_q", help_text="Part of the title, or #id.")
    type = django_filters.MultipleChoiceFilter(choices=ItemType.choices)
    status = django_filters.MultipleChoiceFilter(choices=ItemStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open", help_text="Only open items.")
    team = NoneOrIdFilter(field_name="team_id", help_text="Team id, or `none`.")
    sprint = NoneOrIdFilter(field_name="sprint_id", help_text="Sprint id, or `none`.")
    assignee = NoneOrIdFilter(field_name="assignee_id", help_text="User id, or `none`.")
    label = django_filters.CharFilter(method="filter_label", help_text="One label, exactly.")
    roadmap_item = IdFilter(field_name="roadmap_item_id", help_text="Roadmap item id.")
    criterion = IdFilter(field_name="criteria", help_text="Acceptance criterion id.")
    order = django_filters.ChoiceFilter(
        method="filter_order",
        choices=[(key, key) for key in ORDERINGS],
        empty_label=None,
        help_text="`rank` (default), `rice` or `wsjf` (highest first), `estimate`, `newest`.",
    )

    class Meta:
        model = BacklogItem
        fields = [
            "q",
            "type",
            "status",
            "open",
            "team",
            "sprint",
            "assignee",
            "label",
            "roadmap_item",
            "criterion",
            "order",
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if value.startswith("#") and value[1:].isdigit() and len(value) < 20:
            return queryset.filter(pk=int(value[1:]))
        return queryset.filter(title__icontains=value) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=ItemStatus.DONE)

    def filter_label(self, queryset, name, value):
        value = value.strip()
        if not value or any(character.isspace() for character in value):
            return queryset.none() if value else queryset
        return queryset.filter(labels__contains=f" {value} ")

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS.get(value, ORDERINGS["rank"]))

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("order"):
            queryset = queryset.order_by(*ORDERINGS["rank"])
        return queryset

    @property
    def ordering(self) -> str:
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data.get("order") or "rank"
        return "rank"


def backlog_filter(product: Product, params) -> BacklogFilter:
    """The product's items kept by ``params`` (query parameters), ordered as they ask."""
    return BacklogFilter(params, queryset=BacklogItem.objects.filter(product=product))


@dataclass(frozen=True)
class DebtShare:
    team: Team | None
    open_points: int
    debt_points: int

    @property
    def percent(self) -> float:
        return round(100 * self.debt_points / self.open_points, 1) if self.open_points else 0.0


def tech_debt_shares(product: Product) -> list[DebtShare]:
    """Per team (and for items with no team), the share of open points that are tech debt;
    one query."""
    rows = (
        BacklogItem.objects.filter(product=product, status__in=OPEN_STATUSES)
        .values("team_id", "team__name")
        .annotate(
            open_points=Sum("estimate", default=0),
            debt_points=Sum("estimate", default=0, filter=Q(type=ItemType.TECH_DEBT)),
        )
        .order_by("team__name", "team_id")
    )
    teams = {team.pk: team for team in Team.objects.filter(product=product)}
    return [
        DebtShare(teams.get(row["team_id"]), row["open_points"], row["debt_points"]) for row in rows
    ]


def sprint_loads(sprints: list[Sprint]) -> dict[int, dict[str, int]]:
    """Sprint id → points committed (all its items) and completed (done ones), one query."""
    rows = (
        BacklogItem.objects.filter(sprint__in=sprints)
        .values("sprint_id")
        .annotate(
            committed=Sum("estimate", default=0),
            completed=Sum("estimate", default=0, filter=Q(status=ItemStatus.DONE)),
            items=Count("id"),
            unestimated=Count("id", filter=Q(estimate__isnull=True)),
        )
        .order_by()
    )
    loads = {sprint.pk: {"committed": 0, "completed": 0, "items": 0, "unestimated": 0}
             for sprint in sprints}  # fmt: skip
    for row in rows:
        loads[row["sprint_id"]] = {key: row[key] for key in loads[row["sprint_id"]]}
    return loads


def velocity_history(team: Team, limit: int | None = None) -> list[Sprint]:
    """The team's closed sprints, oldest first (the last ``limit`` of them)."""
    closed = Sprint.objects.filter(team=team, state=SprintState.CLOSED).order_by("-end_date", "-id")
    if limit:
        closed = closed[:limit]
    return list(reversed(closed))


@dataclass(frozen=True)
class Coverage:
    """How much of a PRD's acceptance criteria the backlog covers."""

    criteria: int
    covered: int  # with at least one backlog item
    done: int  # with at least one item, all of them done

    @property
    def covered_percent(self) -> int:
        return round(100 * self.covered / self.criteria) if self.criteria else 0

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.criteria) if self.criteria else 0


def criteria_items(prd: Prd) -> dict[int, list[BacklogItem]]:
    """Criterion id → the backlog items that implement it, in rank order; one query."""
    links = (
        BacklogItem.criteria.through.objects.filter(acceptancecriterion__prd=prd)
        .select_related("backlogitem")
        .order_by("backlogitem__rank", "backlogitem_id")
    )
    items: dict[int, list[BacklogItem]] = {}
    for link in links:
        items.setdefault(link.acceptancecriterion_id, []).append(link.backlogitem)
    return items


def coverage(criteria: list[AcceptanceCriterion], items: dict[int, list[BacklogItem]]) -> Coverage:
    covered = [criterion for criterion in criteria if items.get(criterion.pk)]
    done = [
        criterion
        for criterion in covered
        if all(item.status == ItemStatus.DONE for item in items[criterion.pk])
    ]
    return Coverage(criteria=len(criteria), covered=len(covered), done=len(done))
