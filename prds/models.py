"""PRDs: the document, its revisions, and the structured parts engineers read at standup.

A PRD's body is Markdown. Every save of its text or fields is a ``PrdRevision`` that keeps the
text *and* its rendered, sanitised HTML: the reading page shows stored HTML and never renders
Markdown on a view. Criteria, comments and decisions store their rendered HTML the same way.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from lodestar.concurrency import VersionedModel
from products.models import Product
from roadmaps.models import TITLE_MAX_LENGTH, RoadmapItem

# Characters: a 20,000-word PRD is about 130,000; Markdown takes seconds to render much more.
BODY_MAX_LENGTH = 300_000
CONTRACT_MAX_BYTES = 1_000_000


class PrdStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SHIPPED = "shipped", "Shipped"
    SUPERSEDED = "superseded", "Superseded"


# The workflow: status → the statuses it may move to. Approval has a further condition (every
# requested reviewer approved), checked by ``prds.services.prd_transition``.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    PrdStatus.DRAFT: (PrdStatus.IN_REVIEW, PrdStatus.SUPERSEDED),
    PrdStatus.IN_REVIEW: (PrdStatus.DRAFT, PrdStatus.APPROVED, PrdStatus.SUPERSEDED),
    PrdStatus.APPROVED: (PrdStatus.SHIPPED, PrdStatus.SUPERSEDED, PrdStatus.DRAFT),
    PrdStatus.SHIPPED: (PrdStatus.SUPERSEDED,),
    PrdStatus.SUPERSEDED: (),
}


class PrdTemplate(VersionedModel):
    """Sections a PRD can start from. ``product`` empty: a built-in template every product
    sees (the standard PRD template ships as one, from a migration)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="prd_templates"
    )
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        # Two partial constraints rather than one with NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["product", "name"],
                condition=models.Q(product__isnull=False),
                name="prd_template_unique_name",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(product__isnull=True),
                name="prd_template_unique_builtin_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.product_id is None


class Prd(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prds")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=PrdStatus.choices, default=PrdStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_prds"
    )
    body = models.TextField(blank=True, max_length=BODY_MAX_LENGTH)
    roadmap_items = models.ManyToManyField(RoadmapItem, blank=True, related_name="prds")
    # The newest revision: its stored HTML and table of contents are what the reading page shows.
    current_revision = models.ForeignKey(
        "PrdRevision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "PRD"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("prds:read", args=[self.product_id, self.pk])

    def allowed_transitions(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class PrdRevision(models.Model):
    """One saved state of a PRD: its text and fields, who saved it and why. Never edited."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    summary = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=PrdStatus.choices)
    owner_name = models.CharField(max_length=150)
    body = models.TextField(blank=True)
    # Rendered once, when the revision is saved (see lodestar.markdown).
    body_html = models.TextField(blank=True)
    toc = models.JSONField(default=list)  # [{"level", "id", "title"}], headings in order
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["prd", "number"], name="prd_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.prd} · revision {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("prds:revision", args=[self.prd.product_id, self.prd_id, self.number])


class CriterionKind(models.TextChoices):
    SCENARIO = "scenario", "Given / When / Then"
    TEXT = "text", "Free text"


class CriterionStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    FAILED = "failed", "Not met"
    WAIVED = "waived", "Waived"


class AcceptanceCriterion(VersionedModel):
    """One acceptance criterion, deep-linkable as ``#ac-<id>`` (the id never changes)."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(
        max_length=10, choices=CriterionKind.choices, default=CriterionKind.SCENARIO
    )
    given = models.TextField(blank=True, max_length=5_000)
    when = models.TextField(blank=True, max_length=5_000)
    then = models.TextField(blank=True, max_length=5_000)
    text = models.TextField(blank=True, max_length=5_000)
    # {"given": html, "when": html, "then": html, "text": html}, rendered on save.
    html = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=CriterionStatus.choices, default=CriterionStatus.OPEN
    )
    # A gapped key, as roadmap lanes: moving one criterion writes one row.
    rank = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name_plural = "acceptance criteria"
        indexes = [models.Index(fields=["prd", "rank"], name="criterion_order")]

    def __str__(self) -> str:
        if self.kind == CriterionKind.TEXT:
            summary = self.text
        else:
            summary = f"Given {self.given}, when {self.when}, then {self.then}"
        return summary if len(summary) <= 80 else summary[:79] + "…"

    @property
    def anchor(self) -> str:
        return f"ac-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("prds:read", args=[self.prd.product_id, self.prd_id]) + f"#{self.anchor}"


class ContractFormat(models.TextChoices):
    YAML = "yaml", "YAML"
    JSON = "json", "JSON"


class ApiContract(VersionedModel):
    """An OpenAPI 3 document attached to a PRD; each save of its text is a revision."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(max_length=120)
    current_revision = models.ForeignKey(
        "ApiContractRevision", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prd", "name"], name="contract_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("prds:contract", args=[self.prd.product_id, self.prd_id, self.pk])


class ApiContractRevision(models.Model):
    """One valid text of a contract, with what the pages show of it, computed on save:
    the endpoint list, and the breaking changes from the revision before."""

    contract = models.ForeignKey(ApiContract, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    format = models.CharField(max_length=4, choices=ContractFormat.choices)
    document = models.TextField()
    parsed = models.JSONField()  # the document as data, for diffs between any two revisions
    endpoints = models.JSONField(default=list)  # see prds.contracts.endpoints
    breaking_changes = models.JSONField(default=list)  # from the previous revision
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="contract_revision_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · revision {self.number}"


class Comparator(models.TextChoices):
    LT = "<", "<"
    LTE = "<=", "≤"
    GT = ">", ">"
    GTE = ">=", "≥"
    EQ = "=", "="


class PerformanceExpectation(VersionedModel):
    """e.g. ``p95 latency of GET /items < 200 ms`` (context: "10k items, warm cache")."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="expectations")
    metric = models.CharField(max_length=200)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, default=Comparator.LTE)
    target = models.DecimalField(max_digits=14, decimal_places=3)
    unit = models.CharField(max_length=30, blank=True)
    context = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        target = f"{self.target.normalize():f}"
        return f"{self.metric} {self.get_comparator_display()} {target} {self.unit}".strip()


class Decision(VersionedModel):
    """A tradeoff record: the options weighed, the choice, who decided and when.

    ``options`` is a list of ``{"name", "cost", "scalability", "maintenance", "business_impact"}``
    (short texts), the criteria PRODUCT.md weighs every option on.
    """

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    context = models.TextField(blank=True, max_length=20_000)
    context_html = models.TextField(blank=True)
    options = models.JSONField(default=list)
    choice = models.TextField(max_length=5_000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Verdict(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Review(VersionedModel):
    """A requested reviewer of a PRD and their verdict (pending until they give one)."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prd_reviews"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    comment = models.TextField(blank=True, max_length=20_000)
    comment_html = models.TextField(blank=True)
    # The revision the verdict was given on: a later edit of the body shows it may be stale.
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prd", "reviewer"], name="review_unique_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.prd}: {self.get_verdict_display()}"


class Comment(VersionedModel):
    """A comment on a PRD or on one of its criteria; a reply names its parent."""

    prd = models.ForeignKey(Prd, on_delete=models.CASCADE, related_name="comments")
    criterion = models.ForeignKey(
        AcceptanceCriterion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=20_000)
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.prd}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("prds:read", args=[self.prd.product_id, self.prd_id]) + f"#{self.anchor}"
