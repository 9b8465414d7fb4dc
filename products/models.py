import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lodestar.concurrency import VersionedModel


class Role(models.TextChoices):
    """Product roles; each includes every permission of the ones before it."""

    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, minimum: "Role") -> bool:
        return self.rank >= Role(minimum).rank

    # For templates, which cannot pass arguments: what this role may do.
    @property
    def can_contribute(self) -> bool:
        return self.includes(Role.CONTRIBUTOR)

    @property
    def can_edit(self) -> bool:
        return self.includes(Role.EDITOR)

    @property
    def can_admin(self) -> bool:
        return self.includes(Role.ADMIN)


class Product(VersionedModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("products:detail", args=[self.pk])


class MembershipQuerySet(models.QuerySet):
    def for_member_list(self, product: Product) -> "MembershipQuerySet":
        """A product's members with their users, admins first, then by name."""
        role_order = models.Case(
            *(models.When(role=role, then=-role.rank) for role in Role),
            output_field=models.IntegerField(),
        )
        return (
            self.filter(product=product)
            .select_related("user")
            .order_by(role_order, "user__first_name", "user__username")
        )


class Membership(VersionedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "member"
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


TOKEN_PREFIX = "lsr_"  # noqa: S105 - a public marker that makes leaked tokens easy to grep


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once at creation.

    A fast hash is enough here: the secret is 256 random bits, so there is nothing to guess.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    display_prefix = models.CharField(max_length=16, editable=False)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text="When set, the token sees nothing of any other product.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def generate_secret() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class Channel(models.TextChoices):
    WEB = "web", "Browser"
    API = "api", "API"
    TASK = "task", "Background task"


class ActivityQuerySet(models.QuerySet):
    def for_product(self, product: Product) -> "ActivityQuerySet":
        """A product's activity, newest first, with the actor and object type loaded."""
        return (
            self.filter(product=product)
            .select_related("actor", "target_type")
            .order_by("-created_at", "-id")
        )


class Activity(models.Model):
    """One change: who made it, through which channel, to what, and which fields moved.

    Rows are written once by ``products.activity.activity_record`` and never edited.
    """

    # No database constraint: the log keeps which product an entry belonged to even after the
    # product is deleted (rewriting entries to NULL would edit the log).
    product = models.ForeignKey(
        Product,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="activity",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text so the log still says who it was after the user or token is deleted.
    actor_name = models.CharField(max_length=150)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    via = models.CharField(max_length=150, blank=True, help_text="API token or task name.")
    verb = models.CharField(max_length=40)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"], name="activity_product_recent")]
        verbose_name_plural = "activity"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.verb} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Activity entries are never edited.")
        super().save(*args, **kwargs)

    def change_rows(self) -> list[tuple[str, object, object]]:
        """``(field, old, new)`` for display; long texts that share a beginning show only where
        they start to differ, so an edit at the end of a paragraph is visible in the log."""
        rows = []
        for field, change in self.changes.items():
            old, new = change.get("from"), change.get("to")
            if isinstance(old, str) and isinstance(new, str):
                shared = next(
                    (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                    min(len(old), len(new)),
                )
                if shared > 40:
                    cut = shared - 20
                    old, new = "…" + old[cut:], "…" + new[cut:]
            rows.append((field, old, new))
        return rows
