"""Browser forms that edit a versioned row: the version they were rendered from, and the values
they showed, so a save that crosses a colleague's save can be merged instead of refused."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .concurrency import VersionConflict, VersionedModel


class VersionField(forms.IntegerField):
    """The version the user's page was rendered from, sent back on save."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


def _same(a: Any, b: Any) -> bool:
    # A browser sends textarea line breaks as CRLF but hidden inputs as LF.
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    return a == b


def merge_three_way(
    *, original: dict[str, Any] | None, yours: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Merge ``yours`` onto ``theirs`` (the row as saved now), field by field.

    A field only you changed keeps yours, one only they changed keeps theirs; a field you both
    changed to different values is a clash and keeps yours for you to decide. Without the
    ``original`` values every difference is a clash. Returns the merged values and the clashes.
    """
    merged: dict[str, Any] = {}
    clashes: list[str] = []
    for name, mine in yours.items():
        current = theirs[name]
        if original is None:
            you_changed = their_changed = True
        else:
            you_changed = not _same(mine, original[name])
            their_changed = not _same(current, original[name])
        if you_changed and their_changed and not _same(mine, current):
            clashes.append(name)
            merged[name] = mine
        else:
            merged[name] = mine if you_changed else current
    return merged, clashes


class VersionedFormMixin:
    """Adds ``version`` and one hidden ``original_<field>`` per text field in ``merge_fields``."""

    merge_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = VersionField()
        for name in self.merge_fields:
            self.fields[f"original_{name}"] = forms.CharField(
                required=False, strip=False, widget=forms.HiddenInput
            )

    @classmethod
    def initial_for(cls, instance: VersionedModel) -> dict[str, Any]:
        return {
            "version": instance.version,
            **{f"original_{name}": getattr(instance, name) for name in cls.merge_fields},
        }

    def submitted(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.merge_fields}

    def originals(self) -> dict[str, Any] | None:
        """What the page showed, or None if the request did not say (then nothing auto-merges)."""
        if any(f"original_{name}" not in self.data for name in self.merge_fields):
            return None
        return {name: self.cleaned_data[f"original_{name}"] for name in self.merge_fields}

    @classmethod
    def rebased(cls, values: dict[str, Any], current: VersionedModel):
        """A bound form showing ``values`` on top of ``current``: saving it again is a
        deliberate choice made against what is saved now."""
        form = cls(data={**values, **cls.initial_for(current)})
        form.is_valid()
        return form


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (else on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _as_is(value: Any) -> Any:
    return value


def save_merging(
    save: Callable[..., Any],
    instance: VersionedModel,
    *,
    expected_version: int,
    values: dict[str, Any],
    originals: dict[str, Any] | None,
    read: Callable[[VersionedModel, str], Any] = getattr,
    token: Callable[[Any], Any] = _as_is,
    retry_on: Callable[[VersionedModel], VersionedModel] | None = None,
) -> tuple[Any, bool]:
    """The one save of a versioned browser form: ``save(instance, expected_version=..., **values)``
    and, when a colleague saved since the page was read, the same save again with their changes
    to the fields this user left alone (a three-way merge against ``originals``, what the page
    showed). Returns what ``save`` returned and whether a colleague's save was merged in.

    ``read`` gets a field's value from a row and ``token`` makes values of any type comparable
    (ids for rows, ISO dates); ``retry_on`` gives the row the merged save goes against (default:
    ``instance``). ``values`` is updated in place with the merged values. Raises VersionConflict
    with ``clashes`` for fields both changed, or without them when the row is gone or changed
    again during the merged save.
    """
    try:
        return save(instance, expected_version=expected_version, **values), False
    except VersionConflict as error:
        current = error.current
        if current is None:
            raise
        theirs = {name: read(current, name) for name in values}
        merged, clashes = merge_three_way(
            original=originals,
            yours={name: token(value) for name, value in values.items()},
            theirs={name: token(value) for name, value in theirs.items()},
        )
        for name in values:
            if merged[name] != token(values[name]):
                values[name] = theirs[name]
        if clashes:
            raise VersionConflict(current, clashes=clashes) from None
        target = retry_on(current) if retry_on else instance
        return save(target, expected_version=current.version, **values), True


MERGED_MESSAGE = "Saved, together with a colleague's change made meanwhile."


def saved_message(diff: dict, merged: bool, *, saved: str = "Saved.") -> str:
    """What a versioned save tells the user: merged with a colleague's, saved, or no change."""
    if merged:
        return MERGED_MESSAGE
    return saved if diff else "Nothing changed."


def conflict_rows(
    form: forms.Form,
    yours: dict[str, Any],
    current: VersionedModel,
    clashes: list[str] | None,
    *,
    read: Callable[[VersionedModel, str], Any] = getattr,
    token: Callable[[Any], Any] = _as_is,
    show: Callable[[str, Any], Any] = lambda name, value: value,
) -> list[dict[str, Any]]:
    """Yours against theirs, one row per field, for the conflict panel; ``clash`` marks the
    fields both people changed (all that differ, when the merge could not tell)."""
    rows = []
    for name, mine in yours.items():
        theirs = read(current, name)
        rows.append(
            {
                "label": form.fields[name].label or name.replace("_", " ").capitalize(),
                "yours": show(name, mine),
                "theirs": show(name, theirs),
                "clash": name in clashes if clashes is not None else token(mine) != token(theirs),
            }
        )
    return rows
