"""Optimistic concurrency: every mutable row carries a version, every write names the one it read.

A write is one conditional statement (``UPDATE ... WHERE pk = %s AND version = %s``), so two
writers that read the same version cannot both win, on PostgreSQL or SQLite, without locks
held across requests. The API maps a conflict to 412 and the browser to a conflict panel.
"""

from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class VersionConflict(Exception):
    """The row changed (or vanished) since the writer read it; ``current`` is what it is now."""

    def __init__(self, current: VersionedModel | None, clashes: list[str] | None = None):
        super().__init__("The object was changed by someone else.")
        self.current = current
        # The fields both writers changed, when a three-way merge found out (else unknown).
        self.clashes = clashes


class InvalidVersion(ValueError):
    pass


def parse_version(raw: Any) -> int:
    """A version from an ``If-Match`` header (``"3"``, ``W/"3"``) or a form/JSON field (``3``)."""
    if isinstance(raw, bool):
        raise InvalidVersion("The version must be a positive whole number.")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if text.startswith("W/"):
            text = text[2:]
        # An ETag may carry more than the version after a dash (e.g. "3-editor" where the
        # body also shows the caller's role); only the version matters for a write.
        text = text.strip('"').split("-", 1)[0]
        if not text.isdigit():
            raise InvalidVersion(
                "The version must be a positive whole number, as sent in the ETag header."
            )
        value = int(text)
    if value < 1:
        raise InvalidVersion("The version must be a positive whole number.")
    return value


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def apply_changes(
    instance: VersionedModel, *, expected_version: int, changes: dict[str, Any]
) -> dict[str, list[Any]]:
    """Write ``changes`` to ``instance`` if nobody changed it since ``expected_version``.

    Returns the fields that really changed as ``{field: [old, new]}`` (for the activity log).
    Raises VersionConflict with the current row when the version is stale or the row is gone.
    A write that changes nothing still checks the version but does not bump it.
    """
    model = type(instance)
    manager = model._default_manager
    diff: dict[str, list[Any]] = {}
    for field_name, new_value in changes.items():
        old_value = getattr(instance, field_name)
        if old_value != new_value:
            diff[field_name] = [old_value, new_value]
            setattr(instance, field_name, new_value)

    if not diff:
        if not manager.filter(pk=instance.pk, version=expected_version).exists():
            raise VersionConflict(manager.filter(pk=instance.pk).first())
        return diff

    values = {model._meta.get_field(name).attname: getattr(instance, name) for name in diff}
    for name in _auto_now_fields(model):
        values[name] = timezone.now()
        setattr(instance, name, values[name])
    updated = manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        # Put the caller's object back as it was read: a refused write changes nothing.
        for field_name, (old_value, _) in diff.items():
            setattr(instance, field_name, old_value)
        raise VersionConflict(manager.filter(pk=instance.pk).first())
    instance.version = expected_version + 1
    return diff


def bump_version(instance: VersionedModel, *, expected_version: int) -> None:
    """Move ``instance`` to its next version with no field of its own changed (what changed is
    elsewhere: its links, a new revision of a document it holds), or raise VersionConflict."""
    model = type(instance)
    manager = model._default_manager
    values = {name: timezone.now() for name in _auto_now_fields(model)}
    bumped = manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if bumped != 1:
        raise VersionConflict(manager.filter(pk=instance.pk).first())
    instance.version = expected_version + 1
    for name, value in values.items():
        setattr(instance, name, value)


def delete_versioned(instance: VersionedModel, *, expected_version: int) -> None:
    """Delete ``instance`` only if it is still at ``expected_version``."""
    manager = type(instance)._default_manager
    with transaction.atomic():
        # The row lock keeps a concurrent conditional UPDATE from slipping in between the
        # check and the delete (PostgreSQL); SQLite runs write transactions one at a time.
        locked = manager.select_for_update().filter(pk=instance.pk, version=expected_version)
        if not locked.exists():
            raise VersionConflict(manager.filter(pk=instance.pk).first())
        instance.delete()
