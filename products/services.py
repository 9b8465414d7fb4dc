"""Workflows on products, members and API tokens, shared by pages, the API and tasks.

Each writes its rows and its activity entry in one transaction, so the log never claims a
change that did not happen, nor misses one that did.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lodestar.concurrency import VersionConflict, apply_changes, delete_versioned

from .activity import Actor, activity_record
from .models import ApiToken, Membership, Product, Role, TokenScope


@transaction.atomic
def product_create(*, by: Actor, name: str, description: str = "") -> Product:
    """Create a product; its creator becomes its first admin."""
    product = Product.objects.create(name=name, description=description)
    Membership.objects.create(product=product, user=by.user, role=Role.ADMIN)
    activity_record(
        actor=by,
        verb="created",
        target=product,
        product=product,
        values={"name": name, "description": description},
    )
    return product


@transaction.atomic
def product_update(
    *, product: Product, by: Actor, expected_version: int, **fields
) -> dict[str, list]:
    """Change a product's fields if it is still at ``expected_version`` (else VersionConflict)."""
    diff = apply_changes(product, expected_version=expected_version, changes=fields)
    if diff:
        activity_record(actor=by, verb="updated", target=product, product=product, changes=diff)
    return diff


@transaction.atomic
def product_delete(*, product: Product, by: Actor, expected_version: int) -> None:
    """Delete a product and everything in it; the log keeps a record of the deletion."""
    activity_record(
        actor=by,
        verb="deleted",
        target=product,
        product=product,
        changes={"name": [product.name, None]},
    )
    delete_versioned(product, expected_version=expected_version)


def _find_user(identifier: str):
    identifier = identifier.strip()
    users = get_user_model().objects.filter(is_active=True)
    matches = list(users.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))[:2])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            {"user": f"No active user has the username or e-mail “{identifier}”."}
        )
    raise ValidationError(
        {"user": f"More than one user matches “{identifier}”; use the username instead."}
    )


@transaction.atomic
def membership_add(*, product: Product, by: Actor, identifier: str, role: Role) -> Membership:
    """Add an existing user (found by username or e-mail) to a product with ``role``."""
    user = _find_user(identifier)
    already = ValidationError({"user": f"{user.get_username()} is already a member."})
    if Membership.objects.filter(product=product, user=user).exists():
        raise already
    try:
        # The unique constraint decides when two admins add the same person at once.
        with transaction.atomic():
            membership = Membership.objects.create(product=product, user=user, role=role)
    except IntegrityError:
        raise already from None
    activity_record(
        actor=by,
        verb="added",
        target=membership,
        product=product,
        values={"user": user.get_username(), "role": role},
    )
    return membership


def _lock_admins(product: Product) -> list[int]:
    # Locking every admin row serialises concurrent demotions, so two admins demoting each
    # other at the same moment cannot leave the product without one.
    return list(
        Membership.objects.select_for_update()
        .filter(product=product, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


def _refuse_last_admin(membership: Membership, admin_ids: list[int], action: str) -> None:
    if membership.role == Role.ADMIN and admin_ids == [membership.pk]:
        raise ValidationError(
            {"role": f"You cannot {action} the last admin; make someone else admin first."}
        )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, by: Actor, expected_version: int, role: Role
) -> dict[str, list]:
    """Change a member's role; the product always keeps at least one admin."""
    admin_ids = _lock_admins(membership.product)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None or current.version != expected_version:
        raise VersionConflict(current)
    if role != Role.ADMIN:
        _refuse_last_admin(current, admin_ids, "demote")
    diff = apply_changes(membership, expected_version=expected_version, changes={"role": role})
    if diff:
        activity_record(
            actor=by,
            verb="changed role of",
            target=membership,
            product=membership.product,
            changes=diff,
        )
    return diff


@transaction.atomic
def membership_remove(*, membership: Membership, by: Actor, expected_version: int) -> None:
    """Remove a member; the product always keeps at least one admin."""
    admin_ids = _lock_admins(membership.product)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None or current.version != expected_version:
        raise VersionConflict(current)
    _refuse_last_admin(current, admin_ids, "remove")
    activity_record(
        actor=by,
        verb="removed",
        target=membership,
        product=membership.product,
        changes={"role": [membership.role, None]},
    )
    delete_versioned(membership, expected_version=expected_version)


@transaction.atomic
def api_token_create(
    *,
    by: Actor,
    name: str,
    scope: TokenScope,
    product: Product | None = None,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``by.user``; returns it with its secret, which is never stored."""
    user = by.user
    if product is not None and not Membership.objects.filter(product=product, user=user).exists():
        raise ValidationError({"product": "You can only limit a token to a product you belong to."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    secret = ApiToken.generate_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        product=product,
        expires_at=expires_at,
        key_hash=ApiToken.hash_secret(secret),
        display_prefix=secret[:12],
    )
    activity_record(
        actor=by,
        verb="created",
        target=token,
        product=product,
        values={"name": name, "scope": scope},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Actor) -> bool:
    """Revoke a token at once; returns False if it was already revoked."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        activity_record(actor=by, verb="revoked", target=token, product=token.product)
    return bool(revoked)


def api_tokens_revoke_expired(*, by: Actor) -> int:
    """Mark every expired, unrevoked token revoked (expired ones already fail to authenticate;
    this makes the token page and the log say so). Safe to run twice or concurrently: each
    token is claimed by a conditional UPDATE that only one run can win."""
    now = timezone.now()
    expired = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__lte=now).select_related(
        "product"
    )
    count = 0
    for token in expired:
        with transaction.atomic():
            claimed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                revoked_at=now
            )
            if claimed:
                activity_record(
                    actor=by,
                    verb="expired",
                    target=token,
                    product=token.product,
                    values={"expires_at": token.expires_at},
                )
                count += 1
    return count
