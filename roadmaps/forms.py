"""Browser forms of the roadmaps app. Forms validate one form's fields; cross-row rules (same
product, date order, cycles, the readiness gate) live in the services, whose ValidationErrors the
views put next to the fields."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from lodestar.forms import VersionedFormMixin, VersionField
from products.models import Product

from .models import (
    Insight,
    KeyResult,
    Lane,
    Objective,
    Release,
    Risk,
    RoadmapItem,
    RoadmapView,
    Status,
    Team,
)

# --- Roadmap items and dependencies -------------------------------------------------------------


def set_row_choices(
    form: forms.Form, *, teams, themes, objectives, releases, release_label=lambda r: r.name
) -> None:
    """The choices of a filter form's team, theme, objective and release fields: the product's
    own rows (passed in, already loaded), each after an "All ..." choice."""
    form.fields["team"].choices = [("", "All teams"), *((str(t.pk), t.name) for t in teams)]
    form.fields["theme"].choices = [("", "All themes"), *((theme, theme) for theme in themes)]
    form.fields["objective"].choices = [
        ("", "All objectives"),
        *((str(o.pk), o.title) for o in objectives),
    ]
    form.fields["release"].choices = [
        ("", "All releases"),
        *((str(r.pk), release_label(r)) for r in releases),
    ]


class RoadmapFilterForm(forms.Form):
    """The filter bar shared by the timeline, board and list. Rendered unbound, with the query
    parameters as initial values: an unknown value simply selects nothing."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Title contains…", "autocomplete": "off"}
        ),
    )
    team = forms.ChoiceField(required=False)
    theme = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Status.choices])
    lane = forms.ChoiceField(required=False, choices=[("", "All lanes"), *Lane.choices])
    objective = forms.ChoiceField(required=False)
    release = forms.ChoiceField(required=False)

    def __init__(self, *args, teams, themes, objectives, releases, **kwargs):
        super().__init__(*args, **kwargs)
        set_row_choices(self, teams=teams, themes=themes, objectives=objectives, releases=releases)


class RoadmapItemForm(forms.ModelForm):
    """An item's fields. The team and objective choices are the product's own, so a hand-made
    POST naming another product's row is a field error before any service runs."""

    class Meta:
        model = RoadmapItem
        fields = [
            "title",
            "summary",
            "status",
            "lane",
            "start_date",
            "end_date",
            "confidence",
            "team",
            "theme",
            "objectives",
            "feature_key",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "confidence": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
            "objectives": forms.CheckboxSelectMultiple,
            "theme": forms.TextInput(attrs={"autocomplete": "off", "list": "theme-options"}),
            "feature_key": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        labels = {"start_date": "Start", "end_date": "End", "confidence": "Confidence (%)"}

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["team"].queryset = Team.objects.filter(product=product)
        self.fields["team"].empty_label = "No team"
        self.fields["objectives"].queryset = Objective.objects.filter(product=product)

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("An item needs a title.")
        return title

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return cleaned

    def values(self) -> dict:
        """The cleaned values as service keyword arguments (without the version)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def item_field_token(value) -> str:
    """A field value as the text the edit form keeps of it, so values of any type can be
    compared in a three-way merge (ids for rows, sorted ids for sets, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ",".join(str(pk) for pk in sorted(row.pk for row in value))
    return str(value)


class RoadmapItemEditForm(VersionedFormMixin, RoadmapItemForm):
    """The edit form: every field is merged three-way against a colleague's save."""

    merge_fields = tuple(RoadmapItemForm.Meta.fields)

    @classmethod
    def initial_for(cls, instance: RoadmapItem) -> dict:
        return {
            "version": instance.version,
            **{
                f"original_{name}": item_field_token(item_field_value(instance, name))
                for name in cls.merge_fields
            },
        }

    @classmethod
    def rebased_on(cls, values: dict, current: RoadmapItem, *, product: Product):
        """A bound form showing ``values`` on top of ``current`` (see VersionedFormMixin)."""
        data = {}
        for name, value in values.items():
            if name == "objectives":
                data[name] = [str(row.pk) for row in value]
            else:
                data[name] = item_field_token(value)
        form = cls(data={**data, **cls.initial_for(current)}, product=product)
        form.is_valid()
        return form


def item_field_value(item: RoadmapItem, name: str):
    """The value of one form field on a saved item (objectives as a list)."""
    if name == "objectives":
        return list(item.objectives.all())
    return getattr(item, name)


class DependencyAddForm(forms.Form):
    DIRECTIONS = [("blocked_by", "is blocked by"), ("blocks", "blocks")]

    direction = forms.ChoiceField(choices=DIRECTIONS, label="This item")
    other = forms.ModelChoiceField(queryset=RoadmapItem.objects.none(), label="Item")

    def __init__(self, *args, item: RoadmapItem, items: list[RoadmapItem], **kwargs):
        super().__init__(*args, **kwargs)
        # Any item of the product validates (so linking an item to itself reaches the service
        # and gets its message); the menu lists only the others.
        self.fields["other"].queryset = RoadmapItem.objects.filter(product_id=item.product_id)
        self.fields["other"].widget.choices = [
            ("", "Choose an item…"),
            *((row.pk, row.title) for row in items if row.pk != item.pk),
        ]

    def ends(self, item: RoadmapItem) -> tuple[RoadmapItem, RoadmapItem]:
        """(blocker, blocked) for the chosen direction."""
        other = self.cleaned_data["other"]
        if self.cleaned_data["direction"] == "blocks":
            return item, other
        return other, item


class MoveForm(forms.Form):
    """A board move: into ``lane`` after the card ``after`` (none: first), or one ``step`` up or
    down within the card's lane, or to the ``end`` of a lane (the keyboard buttons)."""

    lane = forms.ChoiceField(required=False, choices=Lane.choices)
    after = forms.IntegerField(required=False, min_value=1)
    step = forms.ChoiceField(required=False, choices=[("up", "Up"), ("down", "Down")])
    position = forms.ChoiceField(required=False, choices=[("end", "End of the lane")])
    version = VersionField()

    def clean(self):
        cleaned = super().clean()
        # A lane button (no "after" at all, unlike a drag to the top) goes to the lane's end.
        if cleaned.get("lane") and "after" not in self.data and not cleaned.get("step"):
            cleaned["position"] = "end"
        return cleaned


class DatesForm(forms.Form):
    """A timeline drag: the item's new dates and the version the page showed."""

    start_date = forms.DateField()
    end_date = forms.DateField()
    version = VersionField()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return cleaned


# --- Vision, objectives, key results, teams, releases, checklist, risks, insights ----------------

VISION_TEXT_MAX_LENGTH = 5000


class VisionFieldForm(forms.Form):
    """One vision field saved inline: the new text, the version the page showed and the text it
    showed (so a colleague's save of another field merges instead of conflicting)."""

    value = forms.CharField(
        required=False, max_length=VISION_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    original = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    version = VersionField()


def _member_label(user) -> str:
    return user.get_full_name() or user.get_username()


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _member_label(obj)


def product_members(product: Product):
    """The users who are members of ``product``: the only people who may own its rows."""
    return (
        get_user_model()
        .objects.filter(memberships__product=product)
        .order_by("first_name", "last_name", "username")
    )


class ProductScopedForm(forms.ModelForm):
    """A form whose choice fields list only rows of one product, so a hand-made POST naming
    another product's row is a field error ("Select a valid choice") before any service runs."""

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        # The services check each linked row's product: load it with the row, not one by one.
        if "items" in self.fields:
            self.fields["items"].queryset = (
                RoadmapItem.objects.filter(product=product)
                .select_related("product")
                .order_by("title", "id")
            )
        if "releases" in self.fields:
            self.fields["releases"].queryset = Release.objects.filter(
                product=product
            ).select_related("product")
        if "owner" in self.fields:
            self.fields["owner"].queryset = product_members(product)

    def values(self) -> dict:
        """The cleaned values as service keyword arguments (without the version)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "original")
        }


def _edit_form(form_class: type[ProductScopedForm]) -> type[ProductScopedForm]:
    """The edit variant of a create form: the same fields plus the version it was read at and
    what the page showed (``original``, JSON), so a colleague's save of other fields merges."""
    original = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    return type(
        f"{form_class.__name__}Edit", (VersionedFormMixin, form_class), {"original": original}
    )


class TeamForm(ProductScopedForm):
    class Meta:
        model = Team
        fields = ["name", "capacity_points"]
        labels = {"capacity_points": "Capacity (points per sprint)"}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "off"})}


class ObjectiveForm(ProductScopedForm):
    class Meta:
        model = Objective
        fields = ["title", "description"]
        widgets = {
            "title": forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": "e.g. Become the default for fleets"}
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"description": "Why it matters now, in a sentence or two."}


class KeyResultForm(ProductScopedForm):
    class Meta:
        model = KeyResult
        fields = ["title", "target", "current", "unit"]
        widgets = {
            "title": forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": "e.g. Weekly active fleets"}
            ),
        }
        labels = {"current": "Current value"}

    def clean_target(self):
        target = self.cleaned_data["target"]
        if target == 0:
            raise forms.ValidationError("A target of zero cannot measure progress.")
        return target


class KeyResultCurrentForm(forms.Form):
    """The inline update of a key result's current value."""

    current = forms.DecimalField(max_digits=14, decimal_places=2)
    version = VersionField()


class ReleaseForm(ProductScopedForm):
    class Meta:
        model = Release
        fields = ["name", "date", "description", "items"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "items": forms.CheckboxSelectMultiple,
        }
        labels = {"items": "Roadmap items in this release"}


class ChecklistEntryForm(forms.Form):
    """One readiness checklist line as its inline form posts it: owner and done together."""

    owner = MemberChoiceField(queryset=None, required=False)
    done = forms.BooleanField(required=False)
    version = VersionField()

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = product_members(product)


class ShipForm(forms.Form):
    override_reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason to ship anyway",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the activity log with the problems it overrides.",
    )
    version = VersionField()


LIKELIHOOD_CHOICES = [
    (1, "1 · Rare"),
    (2, "2 · Unlikely"),
    (3, "3 · Possible"),
    (4, "4 · Likely"),
    (5, "5 · Almost certain"),
]
IMPACT_CHOICES = [
    (1, "1 · Minor"),
    (2, "2 · Moderate"),
    (3, "3 · Significant"),
    (4, "4 · Major"),
    (5, "5 · Severe"),
]


class RiskForm(ProductScopedForm):
    likelihood = forms.TypedChoiceField(choices=LIKELIHOOD_CHOICES, coerce=int)
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int)
    owner = MemberChoiceField(queryset=None, required=False, empty_label="Nobody yet")

    class Meta:
        model = Risk
        fields = [
            "title",
            "description",
            "likelihood",
            "impact",
            "owner",
            "status",
            "mitigation",
            "items",
            "releases",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
            "items": forms.CheckboxSelectMultiple,
            "releases": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "mitigation": "What lowers the likelihood or the impact, and who does it.",
        }


class InsightForm(ProductScopedForm):
    class Meta:
        model = Insight
        fields = ["account", "source", "quote", "importance", "captured_on", "items"]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 4}),
            "captured_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "items": forms.CheckboxSelectMultiple,
        }
        labels = {"items": "Roadmap items it supports", "captured_on": "Captured on"}
        help_texts = {"quote": "The customer's words, as close to verbatim as you have them."}


TeamEditForm = _edit_form(TeamForm)
ObjectiveEditForm = _edit_form(ObjectiveForm)
KeyResultEditForm = _edit_form(KeyResultForm)
ReleaseEditForm = _edit_form(ReleaseForm)
RiskEditForm = _edit_form(RiskForm)
InsightEditForm = _edit_form(InsightForm)


# --- Snapshots and share links --------------------------------------------------------------------
class SnapshotForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        help_text="What the baseline stands for, e.g. “Q3 plan as agreed”.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "e.g. Q3 plan as agreed"}
        ),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the snapshot a name you will recognise later.")
        return name


# The share-link filters that name a row of the product; their choices are that product's rows.
SHARE_LINK_ROW_FILTERS = ("team", "objective", "release")
SHARE_LINK_FILTERS = ("team", "theme", "status", "lane", "objective", "release")
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ShareLinkForm(forms.Form):
    """A new share link. The filter choices are the product's own teams, themes, objectives
    and releases, so a hand-made POST naming another product's row is a field error."""

    name = forms.CharField(
        max_length=120,
        help_text="Who it is for, e.g. “Board, Q3 review”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    view = forms.ChoiceField(choices=RoadmapView.choices, initial=RoadmapView.TIMELINE)
    team = forms.ChoiceField(required=False)
    theme = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Status.choices])
    lane = forms.ChoiceField(required=False, choices=[("", "All lanes"), *Lane.choices])
    objective = forms.ChoiceField(required=False)
    release = forms.ChoiceField(required=False)
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        help_text="Leave empty for a link that works until it is revoked.",
    )

    def __init__(self, *args, teams, themes, objectives, releases, **kwargs):
        super().__init__(*args, **kwargs)
        set_row_choices(
            self,
            teams=teams,
            themes=themes,
            objectives=objectives,
            releases=releases,
            release_label=lambda r: f"{r.name} ({r.date:%-d %b %Y})",
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the link a name that says who it is for.")
        return name

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at

    def filters(self) -> dict[str, str]:
        """The chosen filters as the query parameters the link keeps (empty ones left out)."""
        return {key: self.cleaned_data[key] for key in SHARE_LINK_FILTERS if self.cleaned_data[key]}
