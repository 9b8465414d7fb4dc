"""Forms of the PRD pages. Two sections: the document's own forms (PRD, templates, reviews,
comments) and the structured parts' (criteria, contracts, expectations, decisions)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models as dj_models

from lodestar.forms import VersionedFormMixin, VersionField
from products.models import Role
from roadmaps.models import TITLE_MAX_LENGTH, RoadmapItem

from .models import BODY_MAX_LENGTH, Prd, PrdStatus, Verdict

# --- The document: PRD, templates, reviews, comments (views/documents.py) ---------------------


def _lf(text: str) -> str:
    # Browsers send textarea line breaks as CRLF; the stored text (and its diffs) use LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def document_members(product, minimum=Role.CONTRIBUTOR):
    """The product's members with at least ``minimum``: who may own or review a PRD."""
    roles = [role.value for role in Role if role.includes(minimum)]
    return (
        get_user_model()
        .objects.filter(memberships__product=product, memberships__role__in=roles)
        .order_by("first_name", "last_name", "username")
    )


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class RoadmapItemsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return obj.title


def document_field_token(value) -> str:
    """A PRD field's value as the text the edit form keeps of it (ids for the owner and the
    roadmap items), so a three-way merge can compare what the page showed with what is saved."""
    if value is None:
        return ""
    if isinstance(value, dj_models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | dj_models.QuerySet):
        return ",".join(str(pk) for pk in sorted(row.pk for row in value))
    if isinstance(value, str):
        return _lf(value)
    return str(value)


def document_field_value(prd: Prd, name: str):
    """One edit-form field's value on a saved PRD (the roadmap items as a list)."""
    if name == "roadmap_items":
        return list(prd.roadmap_items.order_by("title", "id"))
    return getattr(prd, name)


class _DocumentFields(forms.Form):
    """Title, owner and roadmap links: the fields a PRD shares between create and edit."""

    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "A PRD needs a title."},
    )
    owner = MemberField(queryset=None, empty_label=None)
    roadmap_items = RoadmapItemsField(queryset=None, required=False, label="Linked roadmap items")

    def __init__(self, *args, product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["owner"].queryset = document_members(product)
        self.fields["owner"].help_text = "A contributor, editor or admin of the product."
        self.fields["roadmap_items"].queryset = RoadmapItem.objects.filter(
            product=product
        ).order_by("title", "id")

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("A PRD needs a title.")
        return title


class PrdCreateForm(_DocumentFields):
    template = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Blank document",
        blank=True,
        widget=forms.RadioSelect,
        label="Start from",
    )

    field_order = ["title", "owner", "template", "roadmap_items"]

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda row: (
            f"{row.name} — {row.description}" if row.description else row.name
        )


class PrdEditForm(VersionedFormMixin, _DocumentFields):
    """The edit view's form: every field merges three-way against a colleague's save; the body
    clashes only when both changed it."""

    merge_fields = ("title", "owner", "roadmap_items", "body")

    body = forms.CharField(
        required=False,
        strip=False,
        max_length=BODY_MAX_LENGTH,
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true", "class": "prd-editor"}),
    )
    summary = forms.CharField(
        required=False,
        max_length=300,
        label="Summary of this change",
        help_text="Optional; shown in the history, e.g. “Tightened the success metrics”",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["title", "owner", "roadmap_items", "body", "summary"]

    def clean_body(self) -> str:
        return _lf(self.cleaned_data["body"])

    def clean_original_body(self) -> str:
        return _lf(self.cleaned_data["original_body"])

    @classmethod
    def initial_for(cls, instance: Prd) -> dict:
        return {
            "version": instance.version,
            **{
                f"original_{name}": document_field_token(document_field_value(instance, name))
                for name in cls.merge_fields
            },
        }

    def originals(self) -> dict | None:
        originals = super().originals()
        if originals is None:
            return None
        # Compared as tokens (see document_field_token): the owner and links are ids here.
        return {name: document_field_token(value) for name, value in originals.items()}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.merge_fields}

    @classmethod
    def rebased_on(cls, values: dict, current: Prd, *, product, summary: str = ""):
        """A bound form showing ``values`` on top of ``current``: saving it again is a
        deliberate choice made against what is saved now."""
        data = {"summary": summary}
        for name, value in values.items():
            if name == "roadmap_items":
                data[name] = [str(row.pk) for row in value]
            else:
                data[name] = document_field_token(value)
        form = cls(data={**data, **cls.initial_for(current)}, product=product)
        form.is_valid()
        return form


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=BODY_MAX_LENGTH)


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=PrdStatus.choices)
    version = VersionField()


class ReviewRequestForm(forms.Form):
    reviewer = MemberField(queryset=None)

    def __init__(self, *args, product, menu, **kwargs):
        super().__init__(*args, **kwargs)
        # Any contributor+ member validates (so a repeat request reaches the service and gets
        # its message); the menu, already loaded, offers those not asked yet.
        self.fields["reviewer"].queryset = document_members(product)
        self.fields["reviewer"].help_text = "Approval needs every requested reviewer."
        self.fields["reviewer"].widget.choices = [
            ("", "Choose a member…"),
            *((user.pk, user.get_full_name() or user.get_username()) for user in menu),
        ]


class ReviewSubmitForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[
            (Verdict.APPROVED, "Approve"),
            (Verdict.CHANGES_REQUESTED, "Request changes"),
        ]
    )
    comment = forms.CharField(
        required=False,
        max_length=20_000,
        label="Comment",
        help_text="Required when you request changes. Markdown works.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = VersionField()

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("verdict") == Verdict.CHANGES_REQUESTED
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say what should change.")
        return cleaned


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=20_000,
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something."},
    )
    # Ids of the criterion commented on and the comment replied to; the view looks them up in
    # the PRD (an id that is not there is the form's error, not a field's).
    criterion = forms.CharField(required=False, widget=forms.HiddenInput)
    parent = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_body(self) -> str:
        body = _lf(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("Write something.")
        return body


class TemplateForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "A template needs a name."},
    )
    description = forms.CharField(
        max_length=300,
        required=False,
        help_text="One line: when to start from this template.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        strip=False,
        label="Sections (Markdown)",
        widget=forms.Textarea(attrs={"rows": 22, "class": "prd-editor", "spellcheck": "true"}),
        error_messages={"required": "A template needs some text to start from."},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A template needs a name.")
        return name

    def clean_body(self) -> str:
        body = _lf(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("A template needs some text to start from.")
        return body

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "description", "body")}


class TemplateEditForm(VersionedFormMixin, TemplateForm):
    merge_fields = ("name", "description", "body")

    def clean_original_body(self) -> str:
        return _lf(self.cleaned_data["original_body"])


# --- The parts: criteria, contracts, expectations, decisions (views/parts.py) -------------------
# Imported here rather than at the top so that each section keeps to its own lines.
import datetime  # noqa: E402
import json  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db import models as db_models  # noqa: E402

from lodestar.forms import VersionField  # noqa: E402

from .models import (  # noqa: E402
    CONTRACT_MAX_BYTES,
    Comparator,
    CriterionKind,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
)

DECISION_OPTION_ROWS = 4
DECISION_COLUMNS = (
    ("cost", "Cost"),
    ("scalability", "Scalability"),
    ("maintenance", "Maintenance burden"),
    ("business_impact", "Business impact"),
)


def part_token(value) -> str:
    """A field value as the text an edit form keeps of what the page showed, so a three-way
    merge compares values of any type (rows by id, dates as ISO, decimals without trailing
    zeros, option lists as JSON)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, db_models.Model):
        return str(value.pk)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return str(value).replace("\r\n", "\n")


class PartEditMixin(VersionedFormMixin):
    """The edit variant of a part's form: the version the page was read at and, per field, what
    the page showed (as ``part_token`` text), so a colleague's save of other fields merges."""

    @classmethod
    def initial_for(cls, instance) -> dict:
        return {
            "version": instance.version,
            **{
                f"original_{name}": part_token(getattr(instance, name)) for name in cls.merge_fields
            },
        }

    @classmethod
    def data_from(cls, values: dict) -> dict:
        """Form data showing ``values`` (the cleaned values of an earlier submission)."""
        return {name: part_token(value) for name, value in values.items()}

    @classmethod
    def for_instance(cls, instance, **kwargs):
        """The unbound form showing ``instance`` as saved now."""
        values = {name: getattr(instance, name) for name in cls.merge_fields}
        return cls(initial={**cls.data_from(values), **cls.initial_for(instance)}, **kwargs)

    @classmethod
    def rebased_on(cls, values: dict, current, **kwargs):
        """A bound form showing ``values`` on top of ``current``: saving it again is a choice
        made against what is saved now."""
        form = cls(data={**cls.data_from(values), **cls.initial_for(current)}, **kwargs)
        form.is_valid()
        return form


class CriterionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=CriterionKind.choices,
        initial=CriterionKind.SCENARIO,
        widget=forms.RadioSelect(attrs={"class": "kind-choice"}),
        label="Kind",
    )
    given = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "a dispatcher on the live map"}),
        help_text="The situation before.",
    )
    when = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "a vehicle is 10 minutes late"}),
        help_text="What happens.",
    )
    then = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "its marker turns amber"}),
        help_text="What must be true after.",
    )
    text = forms.CharField(
        required=False,
        max_length=5_000,
        label="Criterion",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    FIELDS = ("kind", "given", "when", "then", "text")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CriterionEditForm(PartEditMixin, CriterionForm):
    merge_fields = CriterionForm.FIELDS


class CriterionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CriterionStatus.choices)
    version = VersionField()


class CriterionMoveForm(forms.Form):
    """A drag (``after``: the id of the criterion it was dropped after, empty for first) or a
    keyboard step (``step``: up or down)."""

    version = VersionField()
    after = forms.IntegerField(required=False, min_value=1)
    step = forms.ChoiceField(required=False, choices=[("up", "Up"), ("down", "Down")])


class ContractForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Fleet API"}),
    )
    document = forms.CharField(
        label="OpenAPI 3 document",
        strip=False,
        max_length=CONTRACT_MAX_BYTES,
        widget=forms.Textarea(
            attrs={"rows": 24, "class": "code-input", "spellcheck": "false", "wrap": "off"}
        ),
        help_text="YAML or JSON, OpenAPI 3.0 or 3.1. It is validated when you save; an "
        "invalid document is refused with the line it fails on.",
        error_messages={
            "max_length": "A contract can be at most 1 MB (this one has %(show_value)d characters)."
        },
    )

    FIELDS = ("name", "document")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A contract needs a name.")
        return name

    def clean_document(self) -> str:
        document = self.cleaned_data["document"]
        if not document.strip():
            raise forms.ValidationError("Paste the OpenAPI document.")
        return document.replace("\r\n", "\n")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ContractEditForm(PartEditMixin, ContractForm):
    merge_fields = ContractForm.FIELDS


class ContractCompareForm(forms.Form):
    """Two revisions of a contract, by number (``from`` and ``to`` in the query string)."""

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, f"Revision {number}") for number in numbers]
        self.fields["from"] = forms.TypedChoiceField(choices=choices, coerce=int, label="From")
        self.fields["to"] = forms.TypedChoiceField(choices=choices, coerce=int, label="To")


class ExpectationForm(forms.ModelForm):
    class Meta:
        model = PerformanceExpectation
        fields = ["metric", "comparator", "target", "unit", "context"]
        widgets = {
            "metric": forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": "p95 latency of GET /vehicles"}
            ),
            "unit": forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ms"}),
            "context": forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": "10k vehicles, warm cache"}
            ),
            "target": forms.NumberInput(attrs={"step": "any"}),
        }
        help_texts = {"context": "The conditions the target holds under."}

    def __init__(self, *args, **kwargs):
        kwargs.pop("product", None)
        super().__init__(*args, **kwargs)
        self.fields["comparator"].choices = Comparator.choices

    def clean_metric(self) -> str:
        metric = self.cleaned_data["metric"].strip()
        if not metric:
            raise forms.ValidationError("Name the metric, e.g. “p95 latency of GET /items”.")
        return metric

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ExpectationEditForm(PartEditMixin, ExpectationForm):
    merge_fields = tuple(ExpectationForm.Meta.fields)


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def option_field_name(row: int, key: str) -> str:
    return f"option_{row}_{key}"


class DecisionForm(forms.Form):
    """A decision with its options in rows (four, or as many as it has); a row without a
    name is left out, a row with text but no name is an error next to it."""

    title = forms.CharField(
        max_length=Decision._meta.get_field("title").max_length,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "How dispatch learns of late vehicles"}
        ),
    )
    context = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why a decision was needed. Markdown.",
    )
    choice = forms.CharField(
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The option chosen and why. Start with its name (“Poll every 30 seconds: …”) "
        "and it is marked in the table.",
    )
    decided_by = MemberChoice(queryset=None, label="Decided by", empty_label=None)
    decided_on = forms.DateField(
        label="Decided on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    FIELDS = ("title", "context", "options", "choice", "decided_by", "decided_on")
    COLUMNS = (("name", "Option"), *DECISION_COLUMNS)

    def __init__(self, *args, product, rows: int = DECISION_OPTION_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = max(rows, DECISION_OPTION_ROWS)
        self.fields["decided_by"].queryset = (
            get_user_model()
            .objects.filter(memberships__product=product)
            .order_by("first_name", "last_name", "username")
        )
        for row in range(1, self.rows + 1):
            for key, label in self.COLUMNS:
                self.fields[option_field_name(row, key)] = forms.CharField(
                    required=False,
                    max_length=200 if key == "name" else 1000,
                    label=f"Option {row}: {label.lower()}",
                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                )

    def option_rows(self) -> list[dict]:
        """The option fields by row, for the template's grid."""
        return [
            {
                "number": row,
                "fields": [self[option_field_name(row, key)] for key, _ in self.COLUMNS],
            }
            for row in range(1, self.rows + 1)
        ]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("A decision needs a title.")
        return title

    def clean(self):
        cleaned = super().clean()
        options = []
        for row in range(1, self.rows + 1):
            entry = {key: cleaned.get(option_field_name(row, key), "") for key, _ in self.COLUMNS}
            if not entry["name"]:
                if any(entry.values()):
                    self.add_error(option_field_name(row, "name"), "Name this option.")
                continue
            options.append(entry)
        if not options and not self.has_error(option_field_name(1, "name")):
            self.add_error(option_field_name(1, "name"), "Weigh at least one option.")
        cleaned["options"] = options
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class DecisionEditForm(PartEditMixin, DecisionForm):
    merge_fields = DecisionForm.FIELDS

    @classmethod
    def data_from(cls, values: dict) -> dict:
        data = {name: part_token(value) for name, value in values.items() if name != "options"}
        for row, option in enumerate(values.get("options", []), start=1):
            for key, _ in DecisionForm.COLUMNS:
                data[option_field_name(row, key)] = option.get(key, "")
        return data
