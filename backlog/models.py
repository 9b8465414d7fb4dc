"""The backlog: ranked work items of a product, their scores, dependencies, sprints and forecasts.

Items are ranked product-wide by a gapped key (``lodestar.ranking``): a rerank writes the moved
row and, once in a while, a few neighbours. Teams are the roadmap's (``roadmaps.Team``): a team
owns roadmap items and runs sprints, and its past sprints' completed points are its velocity.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from lodestar.concurrency import VersionedModel
from prds.models import AcceptanceCriterion
from products.models import Product
from roadmaps.models import TITLE_MAX_LENGTH, RoadmapItem, Team

DESCRIPTION_MAX_LENGTH = 20_000
LABELS_MAX_LENGTH = 500
ESTIMATE_MAX = 1_000


class ItemType(models.TextChoices):
    STORY = "story", "Story"
    BUG = "bug", "Bug"
    TECH_DEBT = "tech_debt", "Tech debt"
    SPIKE = "spike", "Spike"
    TASK = "task", "Task"


class ItemStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    IN_REVIEW = "in_review", "In review"
    DONE = "done", "Done"


OPEN_STATUSES = (ItemStatus.TODO, ItemStatus.IN_PROGRESS, ItemStatus.IN_REVIEW)


class Priority(models.TextChoices):
    HIGHEST = "highest", "Highest"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    LOWEST = "lowest", "Lowest"


# RICE's impact is a scale, not a free number (Intercom's: massive 3 … minimal 0.25).
RICE_IMPACTS = {
    "3": "3 — massive",
    "2": "2 — high",
    "1": "1 — medium",
    "0.5": "0.5 — low",
    "0.25": "0.25 — minimal",
}
RICE_FORMULA = "RICE = reach × impact × confidence ÷ effort"
WSJF_FORMULA = (
    "WSJF = (business value + time criticality + risk reduction / opportunity) ÷ job size"
)


class SprintState(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Sprint(VersionedModel):
    """A team's timebox. Closing it records what was committed and completed (the velocity)
    and carries unfinished items over."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sprints")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=80)
    goal = models.CharField(max_length=300, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(
        max_length=10, choices=SprintState.choices, default=SprintState.PLANNED
    )
    # Recorded when the sprint closes; until then both are computed from its items.
    committed_points = models.PositiveIntegerField(null=True, blank=True)
    completed_points = models.PositiveIntegerField(null=True, blank=True)
    carried_over_points = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["team", "state", "start_date"], name="sprint_team_order")]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="sprint_unique_name"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="sprint_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("backlog:sprint", args=[self.product_id, self.pk])

    @property
    def is_closed(self) -> bool:
        return self.state == SprintState.CLOSED

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class BacklogItem(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="backlog_items")
    type = models.CharField(max_length=10, choices=ItemType.choices, default=ItemType.STORY)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    # Rendered (and sanitised) on save, never per view.
    description_html = models.TextField(blank=True, editable=False)
    estimate = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(ESTIMATE_MAX)],
        help_text="Story points; empty while not estimated.",
    )
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.TODO)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="backlog_items"
    )
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backlog_items",
    )
    # Space-separated and space-framed (" api mobile "), so that one label is found with a
    # plain ``contains`` on every database; labels never hold whitespace (as in Jira).
    labels = models.CharField(max_length=LABELS_MAX_LENGTH, blank=True, default="")
    roadmap_item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backlog_items",
    )
    criteria = models.ManyToManyField(AcceptanceCriterion, blank=True, related_name="backlog_items")
    # Product-wide manual order: a gapped key (lodestar.ranking).
    rank = models.FloatField(default=0)

    # RICE inputs and score (score is derived on save, kept for sorting).
    reach = models.PositiveIntegerField(
        null=True, blank=True, help_text="People or events per quarter."
    )
    impact = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        choices=[(Decimal(key), label) for key, label in RICE_IMPACTS.items()],
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], help_text="Percent."
    )
    effort = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01)],
        help_text="Person-months.",
    )
    rice_score = models.FloatField(null=True, blank=True, editable=False)

    # WSJF inputs and score.
    business_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    time_criticality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    risk_reduction = models.PositiveSmallIntegerField(
        "risk reduction / opportunity enablement",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    job_size = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    wsjf_score = models.FloatField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["rank", "id"]
        indexes = [
            models.Index(fields=["product", "rank", "id"], name="backlog_item_rank"),
            models.Index(fields=["team", "status"], name="backlog_item_team_status"),
            models.Index(fields=["sprint"], name="backlog_item_sprint"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("backlog:item", args=[self.product_id, self.pk])

    @property
    def key(self) -> str:
        """How people name the item in a standup or a commit message."""
        return f"#{self.pk}"

    @property
    def label_list(self) -> list[str]:
        return self.labels.split()

    @property
    def is_open(self) -> bool:
        return self.status != ItemStatus.DONE


class ItemDependency(VersionedModel):
    """``blocker`` must be done before ``blocked`` can be: created and deleted, never edited;
    cycles are refused."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="item_dependencies")
    blocker = models.ForeignKey(BacklogItem, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(BacklogItem, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "item dependencies"
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="item_dependency_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="item_dependency_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class RankChange(models.Model):
    """A bulk rerank ("apply score order") kept so that it can be undone as one action."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rank_changes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    description = models.CharField(max_length=200)
    # {item id: rank before the change}, as strings (JSON object keys).
    previous_ranks = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    COMMITTED = "committed", "Imported"


class BacklogImport(models.Model):
    """A CSV upload: parsed and checked on upload (the dry run), written on commit, all rows or
    none. The parsed rows are kept so that commit writes exactly what the preview showed."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="backlog_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    row_count = models.PositiveIntegerField(default=0)
    # [{"line": 2, "values": {...model fields...}}] and [{"line": 5, "field": ..., "message": ...}]
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    # Problems with the file as a whole (encoding, header), as opposed to one row.
    file_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"Import {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("backlog:import", args=[self.product_id, self.pk])

    @property
    def can_commit(self) -> bool:
        return (
            self.status == ImportStatus.PREVIEWED
            and not self.errors
            and not self.file_error
            and self.row_count > 0
        )


class RoadmapForecast(models.Model):
    """When a roadmap item's linked backlog work is forecast to be done (Monte Carlo over the
    teams' velocity), kept so that roadmap pages can flag late items without simulating."""

    roadmap_item = models.OneToOneField(
        RoadmapItem, on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    p50 = models.DateField(null=True)
    p85 = models.DateField(null=True)
    p95 = models.DateField(null=True)
    # Why there are no dates (no estimates, a team with no closed sprint...).
    problem = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Forecast of {self.roadmap_item}"

    @property
    def is_late(self) -> bool:
        end = self.roadmap_item.end_date
        return bool(self.p85 and end and self.p85 > end)


class ForecastState(models.Model):
    """Whether a product's roadmap forecasts are out of date: backlog writes mark it (one
    small row), and the forecasts are recomputed once, by the periodic task or the next
    roadmap page, rather than on every rerank."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="forecast_state"
    )
    stale = models.BooleanField(default=True)
    computed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"Forecasts of {self.product_id}: {'stale' if self.stale else 'fresh'}"
