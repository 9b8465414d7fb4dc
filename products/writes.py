"""The steps every app's services share: a write with its activity entry, and the checks that
links stay inside one product.

Each ``logged_*`` writes its row(s) and one activity entry; call it inside the service's
transaction. Validation errors are ``ValidationError({field: message})``.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from lodestar.concurrency import VersionedModel, apply_changes, bump_version, delete_versioned

from .activity import Actor, activity_record
from .models import Membership, Product, Role


def check_in_product(product: Product, field: str, rows: Iterable[models.Model]) -> None:
    """Links may only point inside the product (a form or token could name any id). The rows
    linked this way (teams, objectives, items, releases) all carry ``product_id``."""
    for row in rows:
        if row is not None and row.product_id != product.pk:
            raise ValidationError({field: f"“{row}” belongs to another product."})


def check_member(product: Product, field: str, user, minimum: Role = Role.VIEWER) -> None:
    """``user`` (if any) may be linked as ``field``: a member of the product, with at least
    ``minimum`` as role."""
    if user is None:
        return
    membership = Membership.objects.filter(product=product, user=user).first()
    if membership is None:
        raise ValidationError({field: f"{user.get_username()} is not a member of {product}."})
    if not Role(membership.role).includes(minimum):
        name = user.get_full_name() or user.get_username()
        raise ValidationError(
            {field: f"{name} is a {membership.get_role_display().lower()} here; "
             f"this needs at least a {minimum.label.lower()}."}
        )  # fmt: skip


def names_of(rows: Iterable[models.Model]) -> list[str]:
    return sorted(str(row) for row in rows)


def logged_create(
    model: type[models.Model],
    *,
    by: Actor,
    product: Product,
    values: dict[str, Any],
    links: dict[str, Iterable[models.Model]] | None = None,
) -> models.Model:
    instance = model.objects.create(**values)
    logged = dict(values)
    for field, rows in (links or {}).items():
        rows = list(rows)
        getattr(instance, field).set(rows)
        logged[field] = names_of(rows)
    logged = {key: value for key, value in logged.items() if key != "product"}
    activity_record(actor=by, verb="created", target=instance, product=product, values=logged)
    return instance


def logged_update(
    instance: VersionedModel,
    *,
    by: Actor,
    product: Product,
    expected_version: int,
    changes: dict[str, Any],
    links: dict[str, Iterable[models.Model] | None] | None = None,
    verb: str = "updated",
) -> dict[str, list]:
    """Apply field changes and many-to-many link changes as one versioned write."""
    diff = apply_changes(instance, expected_version=expected_version, changes=changes)
    link_changes = {}
    for field, rows in (links or {}).items():
        if rows is None:
            continue
        rows = list(rows)
        before = list(getattr(instance, field).all())
        if {row.pk for row in before} != {row.pk for row in rows}:
            link_changes[field] = (before, rows)
    if link_changes:
        if not diff:
            # Only links changed: the row itself must still move to a new version.
            bump_version(instance, expected_version=expected_version)
        for field, (before, rows) in link_changes.items():
            getattr(instance, field).set(rows)
            diff[field] = [names_of(before), names_of(rows)]
    if diff:
        activity_record(actor=by, verb=verb, target=instance, product=product, changes=diff)
    return diff


def logged_delete(
    instance: VersionedModel, *, by: Actor, product: Product, expected_version: int, label: str
) -> None:
    activity_record(
        actor=by,
        verb="deleted",
        target=instance,
        product=product,
        changes={label: [str(instance), None]},
    )
    delete_versioned(instance, expected_version=expected_version)


# --- Teams --------------------------------------------------------------------------------------
