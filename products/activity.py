"""The one way to record activity, and the ``Actor`` that says who acts and through what."""

import datetime
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Activity, ApiToken, Channel, Product


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which channel; services take one and log it."""

    user: AbstractBaseUser | None
    channel: Channel
    via: str = ""

    @classmethod
    def web(cls, request) -> "Actor":
        return cls(user=request.user, channel=Channel.WEB)

    @classmethod
    def api(cls, request) -> "Actor":
        token = request.auth if isinstance(request.auth, ApiToken) else None
        via = f"token “{token.name}”" if token else "session"
        return cls(user=request.user, channel=Channel.API, via=via)

    @classmethod
    def task(cls, task_name: str, user: AbstractBaseUser | None = None) -> "Actor":
        """A Celery task or management command, optionally acting for a user."""
        return cls(user=user, channel=Channel.TASK, via=task_name)

    @property
    def name(self) -> str:
        if self.user is None:
            return "Lodestar"
        return self.user.get_full_name() or self.user.get_username()


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def activity_record(
    *,
    actor: Actor,
    verb: str,
    target: models.Model,
    product: Product | None,
    changes: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> Activity:
    """Append one entry to the activity log (never edited afterwards).

    ``changes`` maps a field to ``[old, new]`` (as ``apply_changes`` returns them); ``values``
    maps a field to the value it was given at creation. Both are stored as
    ``{field: {"from": old, "to": new}}``, one shape for every reader.
    """
    stored = {
        field: {"from": _jsonable(old), "to": _jsonable(new)}
        for field, (old, new) in (changes or {}).items()
    }
    stored.update(
        {field: {"from": None, "to": _jsonable(value)} for field, value in (values or {}).items()}
    )
    return Activity.objects.create(
        product=product,
        actor=actor.user,
        actor_name=actor.name,
        channel=actor.channel,
        via=actor.via,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=stored,
    )
