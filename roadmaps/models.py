"""Vision, objectives, the roadmap and what hangs off it: releases, risks, evidence, baselines.

Every row belongs to exactly one product (directly or through its parent); every mutable row is
versioned, so pages, drags and the API all write through the same conditional update.
"""

import datetime
import hashlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from lodestar.concurrency import VersionedModel
from products.models import Product

TITLE_MAX_LENGTH = 200


class Team(VersionedModel):
    """A team of the product: owns roadmap items (and, later, backlog sprints)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)
    capacity_points = models.PositiveIntegerField(
        default=0, help_text="Story points the team completes in a typical sprint."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Vision(VersionedModel):
    """Where the product is going: one per product, created empty on first visit."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="vision")
    statement = models.TextField(blank=True)
    target_users = models.TextField(blank=True, help_text="Who it is for: personas, segments.")
    horizon_1y = models.TextField("in one year", blank=True)
    horizon_3y = models.TextField("in three years", blank=True)
    horizon_5y = models.TextField("in five years", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Vision of {self.product}"

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:vision", args=[self.product_id])


class Objective(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:vision", args=[self.product_id]) + f"#objective-{self.pk}"


class KeyResult(VersionedModel):
    """A measurable result of an objective: progress is ``current`` against ``target``."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    current = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    unit = models.CharField(max_length=20, blank=True, help_text="e.g. %, accounts, ms.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(target=0), name="key_result_target_not_zero"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> int:
        """Percent of the target reached, 0–100 (a target below zero counts down to it)."""
        if not self.target:
            return 0
        ratio = self.current / self.target
        return max(0, min(100, int(ratio * 100)))


class Status(models.TextChoices):
    """Roadmap item status; the colours of DESIGN.md hang off these values."""

    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    AT_RISK = "at_risk", "At risk"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


class Lane(models.TextChoices):
    NOW = "now", "Now"
    NEXT = "next", "Next"
    LATER = "later", "Later"


class RoadmapItemQuerySet(models.QuerySet):
    def for_roadmap(self, product: Product) -> "RoadmapItemQuerySet":
        """A product's items with everything the timeline, board and list show: the team, the
        objectives and releases (prefetched, one query each) and ``insight_count``. Three
        queries whatever the number of items."""
        insight_count = (
            Insight.items.through.objects.filter(roadmapitem=models.OuterRef("pk"))
            .order_by()
            .values("roadmapitem")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return (
            self.filter(product=product)
            .select_related("team")
            .prefetch_related(
                models.Prefetch("objectives", queryset=Objective.objects.only("id", "title")),
                models.Prefetch(
                    "releases", queryset=Release.objects.only("id", "name", "date", "status")
                ),
            )
            .annotate(
                insight_count=Coalesce(
                    models.Subquery(insight_count, output_field=models.IntegerField()), 0
                )
            )
        )

    def themes_of(self, product: Product) -> list[str]:
        """The themes the product's items use, alphabetically. One query."""
        return list(
            self.filter(product=product)
            .exclude(theme="")
            .order_by("theme")
            .values_list("theme", flat=True)
            .distinct()
        )


class RoadmapItem(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="roadmap_items")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    lane = models.CharField(max_length=10, choices=Lane.choices, default=Lane.NEXT)
    # Order within a lane: a gapped key, so moving one card writes one row (see services).
    lane_rank = models.FloatField(default=0)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="How sure the team is of the dates, in percent.",
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    theme = models.CharField(max_length=80, blank=True, help_text="Theme or initiative.")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="items")
    feature_key = models.SlugField(
        max_length=80, blank=True, help_text="The key usage events carry for this feature."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoadmapItemQuerySet.as_manager()

    class Meta:
        ordering = ["lane_rank", "id"]
        indexes = [models.Index(fields=["product", "lane", "lane_rank"], name="item_lane_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="item_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:item", args=[self.product_id, self.pk])


class Dependency(VersionedModel):
    """``blocker`` must finish before ``blocked`` can: an edge of the product's dependency graph.

    Created and deleted, never edited; cycles are refused by ``dependency_create``.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="dependencies")
    blocker = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="dependency_unique_edge"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SHIPPED = "shipped", "Shipped"


class Release(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=120)
    date = models.DateField()
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED
    )
    items = models.ManyToManyField(RoadmapItem, blank=True, related_name="releases")
    shipped_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why an admin shipped it although the readiness gate said no."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:release", args=[self.product_id, self.pk])

    @property
    def is_shipped(self) -> bool:
        return self.status == ReleaseStatus.SHIPPED


class ChecklistKind(models.TextChoices):
    DOCS = "docs", "Documentation"
    API_REFERENCE = "api_reference", "API reference"
    ENABLEMENT = "enablement", "Enablement"
    MESSAGING = "messaging", "Messaging"


class ChecklistEntry(VersionedModel):
    """One line of a release's readiness checklist; every release has one of each kind."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="checklist")
    kind = models.CharField(max_length=20, choices=ChecklistKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "checklist entries"
        constraints = [
            models.UniqueConstraint(fields=["release", "kind"], name="checklist_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.release}"

    @property
    def position(self) -> int:
        return list(ChecklistKind.values).index(self.kind)


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATED = "mitigated", "Mitigated"
    CLOSED = "closed", "Closed"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Likelihood × impact, each 1–5: 10 and above is high, 5 and above medium (a 5×5 risk matrix).
HIGH_RISK_SCORE = 10
MEDIUM_RISK_SCORE = 5


def severity_of(score: int) -> Severity:
    """The severity a likelihood × impact score falls in."""
    if score >= HIGH_RISK_SCORE:
        return Severity.HIGH
    if score >= MEDIUM_RISK_SCORE:
        return Severity.MEDIUM
    return Severity.LOW


class RiskQuerySet(models.QuerySet):
    def by_score(self) -> "RiskQuerySet":
        """Highest likelihood × impact first, newest first among equals."""
        return self.alias(score_value=F("likelihood") * F("impact")).order_by("-score_value", "-id")

    def high(self) -> "RiskQuerySet":
        """Risks whose score makes them high (see ``severity_of``)."""
        return self.alias(score_value=F("likelihood") * F("impact")).filter(
            score_value__gte=HIGH_RISK_SCORE
        )


class Risk(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (rare) to 5."
    )
    impact = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (minor) to 5."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    mitigation = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    items = models.ManyToManyField(RoadmapItem, blank=True, related_name="risks")
    releases = models.ManyToManyField(Release, blank=True, related_name="risks")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scores_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:risks", args=[self.product_id]) + f"#risk-{self.pk}"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def severity(self) -> Severity:
        return severity_of(self.score)


class InsightSource(models.TextChoices):
    INTERVIEW = "interview", "Customer interview"
    SUPPORT = "support", "Support ticket"
    SALES = "sales", "Sales call"
    SURVEY = "survey", "Survey"
    OTHER = "other", "Other"


class Importance(models.IntegerChoices):
    NICE_TO_HAVE = 1, "Nice to have"
    IMPORTANT = 2, "Important"
    CRITICAL = 3, "Critical"


class Insight(VersionedModel):
    """Customer evidence: what an account said, where, and which items it supports."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="insights")
    account = models.CharField(max_length=120)
    source = models.CharField(
        max_length=20, choices=InsightSource.choices, default=InsightSource.INTERVIEW
    )
    quote = models.TextField()
    importance = models.PositiveSmallIntegerField(
        choices=Importance.choices, default=Importance.IMPORTANT
    )
    captured_on = models.DateField(default=datetime.date.today)
    items = models.ManyToManyField(RoadmapItem, blank=True, related_name="insights")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-captured_on", "-id"]

    def __str__(self) -> str:
        return f"{self.account}: {self.quote[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:insights", args=[self.product_id]) + f"#insight-{self.pk}"


class RoadmapSnapshot(models.Model):
    """A frozen baseline of the roadmap: its items as they were, stored as data, never edited."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=120)
    # [{"id", "title", "lane", "status", "start_date", "end_date", "team"}, ...]
    items = models.JSONField(default=list, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Snapshots are immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:snapshot", args=[self.product_id, self.pk])

    @property
    def item_count(self) -> int:
        return len(self.items)


class RoadmapView(models.TextChoices):
    TIMELINE = "timeline", "Timeline"
    BOARD = "board", "Now / Next / Later"
    LIST = "list", "List"


SHARE_TOKEN_PREFIX = "lss_"  # noqa: S105 - a public marker, like the API tokens' one


class ShareLinkQuerySet(models.QuerySet):
    def usable(self) -> "ShareLinkQuerySet":
        """Links that open: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ShareLink(VersionedModel):
    """A public, read-only page of one roadmap view; only the token's SHA-256 is stored."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="share_links")
    name = models.CharField(max_length=120, help_text="Who it is for, e.g. “Board, Q3 review”.")
    view = models.CharField(max_length=20, choices=RoadmapView.choices)
    # The list/timeline filters the link is limited to, as query parameters: {"team": "3"}.
    filters = models.JSONField(default=dict, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    display_prefix = models.CharField(max_length=16, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:share-links", args=[self.product_id]) + f"#share-link-{self.pk}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate_token() -> str:
        return SHARE_TOKEN_PREFIX + secrets.token_urlsafe(24)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
