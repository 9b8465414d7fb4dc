"""API of PRDs: the documents, their revisions (and diffs between them), acceptance criteria, API
contracts (and their breaking changes), performance expectations, decisions, reviews, comments
and templates, as flat resources under /api/v1/.

Built on the roadmap API's pieces (``roadmaps.api``): rows are shaped from ``.values()`` with a
constant number of queries, lists are the caller's products' rows (or one ``?product=``), writes
go through ``prds.services`` with the version the client read. A PRD's parts name their PRD
(``prd``) rather than their product; the access check follows the PRD to its product.

Who may do what (PRODUCT.md §2, the same checks as the pages): viewers read everything;
contributors comment and set a criterion's status; editors do every other write; only the
requested reviewer gives a verdict; a comment is deleted by its author or an admin.
"""

import functools
import hashlib

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import get_script_prefix, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from lodestar.api import (
    ERROR_RESPONSES,
    IF_MATCH,
    CursorPagination,
    versioned_delete_responses,
    versioned_write_responses,
)
from products.activity import Actor
from products.api import API_PERMISSIONS, token_of
from products.models import Role
from products.permissions import object_for, product_for
from roadmaps.api import (
    ID_MAX,
    MemberOfProduct,
    ObjectDetailView,
    ProductListView,
    ProductObjectView,
    RowsOfProduct,
    ShapedMixin,
    _collection_schema,
    _filterset,
    _id_field,
    _object_schema,
    _required_id,
    _version_field,
)
from roadmaps.models import TITLE_MAX_LENGTH, RoadmapItem
from roadmaps.queries import IdFilter

from . import contracts, services
from .diffs import hunks
from .models import (
    BODY_MAX_LENGTH,
    CONTRACT_MAX_BYTES,
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    Comment,
    Comparator,
    ContractFormat,
    CriterionKind,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)

# Revision numbers are 32-bit columns on PostgreSQL: a bigger number names no revision.
NUMBER_MAX = 2**31 - 1
DONE_STATUSES = (CriterionStatus.MET, CriterionStatus.WAIVED)
# The verdicts a reviewer gives ("pending" is where a review starts).
GIVEN_VERDICTS = [(verdict.value, verdict.label) for verdict in Verdict if verdict != "pending"]
# How a run of lines changed between two revisions (difflib's opcodes).
DIFF_OPS = [
    ("equal", "Equal"),
    ("insert", "Inserted"),
    ("delete", "Deleted"),
    ("replace", "Replaced"),
]


def _name(first: str, last: str, username: str) -> str:
    """A user's name as the pages show it (full name, else username)."""
    return f"{first} {last}".strip() or username


def _user_columns(path: str) -> dict:
    """The ``.values()`` expressions for the name of the user at ``path``; ``_pop_name`` reads
    them back."""
    return {
        f"{path}_username": F(f"{path}__username"),
        f"{path}_first": F(f"{path}__first_name"),
        f"{path}_last": F(f"{path}__last_name"),
    }


def _pop_name(row: dict, path: str) -> str | None:
    username = row.pop(f"{path}_username")
    first, last = row.pop(f"{path}_first"), row.pop(f"{path}_last")
    return None if username is None else _name(first or "", last or "", username)


# --- Pages, linked as html_url ------------------------------------------------------------------

_SENTINELS = (918_273_645, 546_372_819, 735_291_864)


@functools.cache
def _page_template(url_name: str, holes: tuple[str, ...], script_prefix: str) -> str:
    """The path of page ``url_name`` with a ``{hole}`` for each of its URL arguments, so that a
    list formats a string per row instead of resolving a URL per row (``script_prefix`` keys
    the cache: the paths resolved here start with it)."""
    path = reverse(url_name, kwargs=dict(zip(holes, _SENTINELS, strict=False)))
    for hole, sentinel in zip(holes, _SENTINELS, strict=False):
        path = path.replace(str(sentinel), "{" + hole + "}")
    return path


class PageLinked(ShapedMixin):
    """Rows whose ``html_url`` is a page of the PRD app: ``page`` names the URL and maps each
    of its arguments to the row key holding it; ``anchor`` is formatted with the row."""

    has_page = False  # roadmaps' own ``html_url`` needs a product column and get_absolute_url
    page: tuple[str, dict[str, str]] | None = None
    anchor = ""
    names: tuple[str, ...] = ()  # user columns shown with ``<column>_name`` beside them

    def rows(self, queryset):
        extra = {}
        if self.product_path != "product":
            extra["product"] = F(self.product_path)
        for column in self.names:
            extra.update(_user_columns(column))
        return queryset.values(*self.fields, **extra)

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            for column in self.names:
                row[f"{column}_name"] = _pop_name(row, column)
        if self.page is not None:
            url_name, holes = self.page
            base = self.request.build_absolute_uri("/")[:-1]
            template = base + _page_template(url_name, tuple(holes), get_script_prefix())
            for row in rows:
                if all(row[key] is not None for key in holes.values()):
                    url = template.format(**{hole: row[key] for hole, key in holes.items()})
                    row["html_url"] = url + self.anchor.format(**row)
                else:
                    row["html_url"] = None
        return rows


PRD_PAGE = ("prds:read", {"product_id": "product", "prd_id": "prd"})


# --- Fields -------------------------------------------------------------------------------------


class RowWithin(serializers.IntegerField):
    """The id of a row that ``within(product)`` allows for the product being written (a
    criterion or comment of one of its PRDs, a template it may use); any other id is a field
    error that says nothing about the row it names."""

    def __init__(self, *, model, noun: str, within, **kwargs):
        self.model, self.noun, self.within = model, noun, within
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)
        if pk is None:
            return None
        product = self.parent.context["product"]
        row = self.model.objects.filter(self.within(product), pk=pk).first()
        if row is None:
            raise serializers.ValidationError(f"This product has no {self.noun} with id {pk}.")
        return row


def _in_prds_of(product) -> Q:
    return Q(prd__product=product)


def _usable_templates(product) -> Q:
    return Q(product=product) | Q(product=None)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    """Markdown or document text: kept exactly as sent (leading spaces start a code block;
    a contract's lines are what its errors point at)."""
    return serializers.CharField(
        max_length=max_length, trim_whitespace=False, allow_blank=True, **kwargs
    )


def _prd_field() -> serializers.IntegerField:
    return _id_field(help_text="PRD id.")


def _number(name: str, raw) -> int:
    try:
        return serializers.IntegerField(min_value=1, max_value=NUMBER_MAX).run_validation(raw)
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({name: error.detail}) from None


def _revision_pair(request) -> tuple[int, int]:
    """``?from=`` and ``?to=``: two revision numbers (400 when missing or not numbers)."""
    errors, numbers = {}, []
    for name in ("from", "to"):
        raw = request.query_params.get(name)
        if raw is None:
            errors[name] = ["This parameter is required."]
            continue
        try:
            numbers.append(_number(name, raw))
        except exceptions.ValidationError as error:
            errors.update(error.detail)
    if errors:
        raise exceptions.ValidationError(errors)
    return numbers[0], numbers[1]


def _numbered(queryset, numbers: tuple[int, int], owner: str) -> tuple:
    """The revisions of ``queryset`` numbered ``numbers`` (one query), or 404 naming the missing
    one."""
    found = {row.number: row for row in queryset.filter(number__in=set(numbers))}
    for number in numbers:
        if number not in found:
            raise Http404(f"This {owner} has no revision {number}.")
    return found[numbers[0]], found[numbers[1]]


REVISION_PAIR = [
    OpenApiParameter(
        "from", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="Older number."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="Newer number."
    ),
]


class NewestFirst(CursorPagination):
    """Revisions, newest first (by their number)."""

    ordering = "-number"


# For views taking a large text (a PRD's body, a contract): a request over Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE is a field error on that text, not Django's bare "could not be
# understood" (DRF reads the whole body, which Django refuses past the limit). No docstring: the
# schema would describe the views with it.
class LargeTextMixin:
    large_field = "body"
    large_message = "This text is too long; the API takes requests of up to {limit}."

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000:g} MB"
            message = self.large_message.format(limit=limit)
            exc = exceptions.ValidationError({self.large_field: [message]})
        return super().handle_exception(exc)


class PrdPartListView(ProductListView):
    """A list of one kind of PRD part (``?prd=`` narrows it to one PRD), and its create, which
    names the PRD in the body."""

    product_path = "prd__product"

    def post(self, request):
        prd = object_for(
            request.user,
            Prd.objects.all(),
            _required_id(request, "prd"),
            self.create_role,
            token=token_of(request),
        )
        data = self.validated(request, prd.product)
        data.pop("prd", None)
        instance = self.create(prd, data, Actor.api(request))
        return self.created(instance)


def _prd_filter() -> IdFilter:
    return IdFilter(field_name="prd_id", help_text="PRD id.")


def _count_of(model, **conditions) -> Coalesce:
    """The number of ``model`` rows of each PRD meeting ``conditions``, as a subquery."""
    counted = (
        model.objects.filter(prd=OuterRef("pk"), **conditions)
        .order_by()
        .values("prd")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- PRDs ---------------------------------------------------------------------------------------


class ReviewerSummarySerializer(serializers.Serializer):
    review = serializers.IntegerField(help_text="Review id.")
    reviewer = serializers.IntegerField(help_text="User id.")
    name = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)


class TocEntrySerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="Heading level, 2–4.")
    id = serializers.CharField(help_text="The heading's anchor in body_html.")
    title = serializers.CharField()


class PrdSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    status = serializers.ChoiceField(
        choices=PrdStatus.choices, read_only=True, help_text="Changed by the transition action."
    )
    owner = MemberOfProduct(required=False, help_text="User id of a member (contributor or above).")
    owner_name = serializers.CharField(read_only=True)
    roadmap_items = RowsOfProduct(
        model=RoadmapItem, noun="roadmap item", required=False, help_text="Roadmap item ids."
    )
    reviewers = ReviewerSummarySerializer(many=True, read_only=True)
    revision = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Number of the current revision."
    )
    criteria_total = serializers.IntegerField(read_only=True)
    criteria_met = serializers.IntegerField(read_only=True, help_text="Met or waived.")
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class PrdDetailSerializer(PrdSerializer):
    body = _text(BODY_MAX_LENGTH, required=False, help_text="Markdown.")
    body_html = serializers.CharField(
        read_only=True, help_text="The body rendered and sanitised (stored with the revision)."
    )
    toc = TocEntrySerializer(many=True, read_only=True, help_text="The body's headings.")
    summary = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why: the summary of the revision this save makes.",
    )


class PrdCreateSerializer(PrdDetailSerializer):
    product = _id_field(help_text="Product id (editor).")
    owner = MemberOfProduct(
        required=False, help_text="User id of a member (contributor or above); default: you."
    )
    template = RowWithin(
        model=PrdTemplate,
        noun="PRD template",
        within=_usable_templates,
        required=False,
        allow_null=True,
        help_text="Template id: the body starts as its text, unless `body` is given.",
    )


class PrdShape(PageLinked):
    """A PRD: its status in the workflow (draft → in review → approved → shipped, or
    superseded), owner, linked roadmap items, reviewers' verdicts, current revision and how many
    acceptance criteria are met. The detail adds the Markdown body, its rendered HTML and
    table of contents (stored with each revision, never rendered on a read)."""

    model = Prd
    fields = ("id", "product", "title", "status", "owner", "version", "created_at", "updated_at")
    links = ("roadmap_items",)
    page = ("prds:read", {"product_id": "product", "prd_id": "id"})
    serializer_class = PrdSerializer
    detailed = False

    def rows(self, queryset):
        extra = {
            **_user_columns("owner"),
            "revision": F("current_revision__number"),
            "criteria_total": _count_of(AcceptanceCriterion),
            "criteria_met": _count_of(AcceptanceCriterion, status__in=DONE_STATUSES),
        }
        if self.detailed:
            extra["body_html"] = F("current_revision__body_html")
            extra["toc"] = F("current_revision__toc")
            return queryset.values(*self.fields, "body", **extra)
        return queryset.values(*self.fields, **extra)

    def finish(self, rows):
        rows = super().finish(rows)
        by_prd = {row["id"]: row for row in rows}
        for row in rows:
            row["owner_name"] = _pop_name(row, "owner")
            row["reviewers"] = []
            if self.detailed:
                row["body_html"] = row["body_html"] or ""
                row["toc"] = row["toc"] or []
        reviews = (
            Review.objects.filter(prd_id__in=list(by_prd))
            .order_by("created_at", "id")
            .values("id", "prd_id", "reviewer_id", "verdict", **_user_columns("reviewer"))
        )
        for review in reviews:
            by_prd[review["prd_id"]]["reviewers"].append(
                {
                    "review": review["id"],
                    "reviewer": review["reviewer_id"],
                    "name": _pop_name(review, "reviewer"),
                    "verdict": review["verdict"],
                }
            )
        return rows

    def row_etag(self, row: dict) -> str:
        """The version, then a digest of the rest: reviewers' verdicts and criteria counts
        change without the PRD's version, and a cached copy must not outlive them. If-Match
        reads only the version (``lodestar.concurrency.parse_version``)."""
        digest = hashlib.blake2b(repr(sorted(row.items())).encode(), digest_size=6).hexdigest()
        return f'"{row["version"]}-{digest}"'


PrdFilter = _filterset(
    Prd,
    status=django_filters.ChoiceFilter(choices=PrdStatus.choices),
    owner=IdFilter(field_name="owner_id", help_text="Owner's user id."),
)


@extend_schema_view(
    get=extend_schema(
        summary="List PRDs (without their bodies; read one for its text)",
        operation_id="prds_list",
        responses={200: PrdSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        summary="Create a draft PRD, optionally from a template (editor)",
        description=(
            "The body is `body` if given, else the template's text. The PRD starts as a draft "
            "with revision 1; its owner defaults to you."
        ),
        operation_id="prds_create",
        request=PrdCreateSerializer,
        responses={201: PrdDetailSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["prds"])
class PrdListView(LargeTextMixin, PrdShape, ProductListView):
    create_serializer_class = PrdCreateSerializer
    filterset_class = PrdFilter
    detail_url_name = "api:prd-detail"

    def create(self, product, data, by):
        data.setdefault("owner", by.user)
        return services.prd_create(by=by, product=product, **data)

    def created(self, instance):
        self.detailed = True
        response = super().created(instance)
        response["ETag"] = self.row_etag(response.data)
        return response


# One PRD, shaped in full; its ETag covers what changes without its version. (No docstring: the
# schema describes the operations with PrdShape's.)
class PrdObjectView(LargeTextMixin, PrdShape, ProductObjectView):
    serializer_class = PrdDetailSerializer
    detailed = True

    def object_response(self, instance, status_code=status.HTTP_200_OK):
        row = self.representation(instance)
        response = Response(row, status=status_code)
        response["ETag"] = self.row_etag(row)
        return response

    def retrieve(self, request):
        instance = self.instance(self.read_role)
        row = self.representation(instance)
        etag = self.row_etag(row)
        candidates = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
        response = Response(row)
        if any(tag.removeprefix("W/") == etag for tag in candidates):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = etag
        return response


@extend_schema_view(
    get=extend_schema(
        summary="A PRD, with its body, rendered HTML and table of contents",
        operation_id="prds_retrieve",
        responses={200: PrdDetailSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Replace a PRD's title, body, owner and roadmap items (editor)",
        description=(
            "A change of the title, body or owner saves a new revision (with `summary`). "
            "The status is not written here: use the transition action."
        ),
        operation_id="prds_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdDetailSerializer),
    ),
    patch=extend_schema(
        summary="Change some of a PRD's title, body, owner and roadmap items (editor)",
        description=(
            "A change of the title, body or owner saves a new revision (with `summary`). "
            "The status is not written here: use the transition action."
        ),
        operation_id="prds_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdDetailSerializer),
    ),
    delete=extend_schema(
        summary="Delete a PRD with its revisions, criteria, contracts and comments (editor)",
        operation_id="prds_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(PrdDetailSerializer),
    ),
)
@extend_schema(tags=["prds"])
class PrdDetailView(PrdObjectView, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.prd_update(prd=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.prd_delete(prd=instance, by=by, expected_version=expected)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PrdStatus.choices)
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="For the revision it makes."
    )
    version = _version_field()


@extend_schema_view(
    post=extend_schema(
        summary="Move a PRD along its workflow (editor)",
        description=(
            "draft → in_review (needs a requested reviewer) → approved (needs every requested "
            "reviewer's approval) → shipped; any but superseded may become superseded; in "
            "review or approved may go back to draft. A refused move is a 400 whose `status` "
            "errors give the reasons."
        ),
        operation_id="prds_transition",
        request=TransitionSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdDetailSerializer),
    )
)
@extend_schema(tags=["prds"])
class PrdTransitionView(PrdObjectView):
    def post(self, request, pk):
        return self.change(request, TransitionSerializer, self.transition)

    def transition(self, prd, fields, by, expected):
        services.prd_transition(prd=prd, by=by, expected_version=expected, **fields)


class RestoreSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=1, max_value=NUMBER_MAX, help_text="Number of the revision to restore."
    )
    version = _version_field()


@extend_schema_view(
    post=extend_schema(
        summary="Restore an old revision's title and text, as a new revision (editor)",
        operation_id="prds_restore",
        request=RestoreSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdDetailSerializer),
    )
)
@extend_schema(tags=["prds"])
class PrdRestoreView(PrdObjectView):
    def post(self, request, pk):
        return self.change(request, RestoreSerializer, self.restore)

    def restore(self, prd, fields, by, expected):
        number = fields["revision"]
        revision = PrdRevision.objects.filter(prd=prd, number=number).first()
        if revision is None:
            raise exceptions.ValidationError({"revision": [f"This PRD has no revision {number}."]})
        services.prd_restore(prd=prd, by=by, expected_version=expected, revision=revision)


# --- Revisions ----------------------------------------------------------------------------------


class PrdRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    prd = serializers.IntegerField(help_text="PRD id.")
    author = serializers.IntegerField(allow_null=True, help_text="User id.")
    author_name = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=PrdStatus.choices)
    owner_name = serializers.CharField()
    restored_from = serializers.IntegerField(
        allow_null=True, help_text="The revision this one restored."
    )
    html_url = serializers.URLField()
    created_at = serializers.DateTimeField()


class PrdRevisionDetailSerializer(PrdRevisionSerializer):
    body = serializers.CharField()
    body_html = serializers.CharField()
    toc = TocEntrySerializer(many=True)


class PrdRevisionShape(PageLinked):
    """One saved state of a PRD, never edited: who saved it, when and why, and its text."""

    model = PrdRevision
    product_path = "prd__product"
    fields = (
        "id",  # (ShapedMixin.finish wants it; revisions are named by number)
        "number",
        "prd",
        "author",
        "summary",
        "title",
        "status",
        "owner_name",
        "restored_from",
        "created_at",
    )
    page = (
        "prds:revision",
        {"product_id": "product", "prd_id": "prd", "number": "number"},
    )
    names = ("author",)

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            del row["id"], row["product"]
        return rows

    def prd(self) -> Prd:
        return object_for(
            self.request.user,
            Prd.objects.all(),
            self.kwargs["pk"],
            Role.VIEWER,
            token=token_of(self.request),
        )


@extend_schema_view(
    get=extend_schema(
        summary="List a PRD's revisions, newest first",
        operation_id="prds_revisions_list",
        responses={200: PrdRevisionSerializer(many=True), **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["prds"])
class PrdRevisionListView(PrdRevisionShape, generics.GenericAPIView):
    permission_classes = API_PERMISSIONS
    pagination_class = NewestFirst
    queryset = PrdRevision.objects.none()  # the PRD's, in get()

    def get(self, request, pk):
        prd = self.prd()
        page = self.paginate_queryset(self.rows(PrdRevision.objects.filter(prd=prd)))
        return self.get_paginated_response(self.finish(page))


@extend_schema_view(
    get=extend_schema(
        summary="One revision of a PRD, with its text and rendered HTML",
        operation_id="prds_revisions_retrieve",
        parameters=[
            OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: PrdRevisionDetailSerializer, **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["prds"])
class PrdRevisionDetailView(PrdRevisionShape, generics.GenericAPIView):
    permission_classes = API_PERMISSIONS
    queryset = PrdRevision.objects.none()
    fields = (*PrdRevisionShape.fields, "body", "body_html", "toc")

    def get(self, request, pk, number):
        prd = self.prd()
        rows = (
            self.finish(list(self.rows(prd.revisions.filter(number=number))))
            if number <= NUMBER_MAX
            else []
        )
        if not rows:
            raise Http404(f"This PRD has no revision {number}.")
        return Response(rows[0])


class TextChangeSerializer(serializers.Serializer):
    old = serializers.CharField()
    new = serializers.CharField()
    changed = serializers.BooleanField()


class DiffHunkSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=DIFF_OPS)
    old_start = serializers.IntegerField(help_text="First line in the older text (1-based).")
    new_start = serializers.IntegerField(help_text="First line in the newer text (1-based).")
    old_lines = serializers.ListField(child=serializers.CharField(allow_blank=True))
    new_lines = serializers.ListField(child=serializers.CharField(allow_blank=True))


class RevisionDiffSerializer(serializers.Serializer):
    prd = serializers.IntegerField()
    from_revision = serializers.IntegerField(help_text="The older revision's number.")
    to_revision = serializers.IntegerField(help_text="The newer revision's number.")
    title = TextChangeSerializer()
    status = TextChangeSerializer()
    owner = TextChangeSerializer(help_text="The owner's name.")
    hunks = DiffHunkSerializer(many=True, help_text="The body, line by line, in order.")


def _change(old: str, new: str) -> dict:
    return {"old": old, "new": new, "changed": old != new}


@extend_schema_view(
    get=extend_schema(
        summary="What changed between two revisions of a PRD",
        description=(
            "The title, status and owner, and the body as a line diff: runs of `equal`, "
            "`insert`, `delete` and `replace` lines. Either order works; 404 for a number the "
            "PRD has no revision of."
        ),
        operation_id="prds_revisions_diff",
        parameters=REVISION_PAIR,
        responses={200: RevisionDiffSerializer, **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["prds"])
class PrdRevisionDiffView(PrdRevisionShape, generics.GenericAPIView):
    permission_classes = API_PERMISSIONS
    queryset = PrdRevision.objects.none()

    def get(self, request, pk):
        prd = self.prd()
        numbers = _revision_pair(request)
        old, new = _numbered(prd.revisions.all(), numbers, "PRD")
        return Response(
            {
                "prd": prd.pk,
                "from_revision": old.number,
                "to_revision": new.number,
                "title": _change(old.title, new.title),
                "status": _change(old.status, new.status),
                "owner": _change(old.owner_name, new.owner_name),
                "hunks": hunks(old.body, new.body),
            }
        )


# --- Acceptance criteria ------------------------------------------------------------------------


class AcceptanceCriterionHtmlSerializer(serializers.Serializer):
    given = serializers.CharField(allow_blank=True)
    when = serializers.CharField(allow_blank=True)
    then = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)


class AcceptanceCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    # No defaults here: the model's apply at creation, and a PUT that leaves a field out leaves
    # it as it is (a contributor's status-only PUT must not reset the kind).
    kind = serializers.ChoiceField(
        choices=CriterionKind.choices, required=False, help_text="Default: scenario."
    )
    given = serializers.CharField(max_length=5_000, allow_blank=True, required=False)
    when = serializers.CharField(max_length=5_000, allow_blank=True, required=False)
    then = serializers.CharField(max_length=5_000, allow_blank=True, required=False)
    text = serializers.CharField(
        max_length=5_000, allow_blank=True, required=False, help_text="For a free-text criterion."
    )
    html = AcceptanceCriterionHtmlSerializer(
        read_only=True, help_text="Each part rendered and sanitised."
    )
    status = serializers.ChoiceField(
        choices=CriterionStatus.choices,
        required=False,
        help_text="Default: open. Contributors may change this alone; every other field needs "
        "an editor.",
    )
    rank = serializers.FloatField(
        read_only=True, help_text="Order within the PRD; change it with the move action."
    )
    anchor = serializers.CharField(read_only=True, help_text="Its fragment on the PRD's page.")
    version = _version_field()
    html_url = serializers.URLField(read_only=True, help_text="The PRD's page, at the criterion.")
    created_at = serializers.DateTimeField(read_only=True)


class AcceptanceCriterionCreateSerializer(AcceptanceCriterionSerializer):
    prd = _prd_field()


class CriterionShape(PageLinked):
    """An acceptance criterion of a PRD: Given / When / Then, or free text, with a status. Its
    anchor (`ac-<id>`) never changes, so a link to it keeps working."""

    model = AcceptanceCriterion
    product_path = "prd__product"
    fields = (
        "id",
        "prd",
        "kind",
        "given",
        "when",
        "then",
        "text",
        "html",
        "status",
        "rank",
        "version",
        "created_at",
    )
    page = PRD_PAGE
    anchor = "#ac-{id}"
    serializer_class = AcceptanceCriterionSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            row["anchor"] = f"ac-{row['id']}"
            row["html"] = {
                part: row["html"].get(part, "")
                for part in AcceptanceCriterionHtmlSerializer._declared_fields
            }
        return rows


CriterionFilter = _filterset(
    AcceptanceCriterion,
    "prd__product",
    prd=_prd_filter(),
    status=django_filters.ChoiceFilter(choices=CriterionStatus.choices),
)


@_collection_schema(
    "acceptance_criteria",
    AcceptanceCriterionSerializer,
    AcceptanceCriterionCreateSerializer,
    plural="acceptance criteria (in creation order; `rank` orders them in their PRD)",
    noun="an acceptance criterion at the end of its PRD's list",
)
@extend_schema(tags=["acceptance-criteria"])
class CriterionListView(CriterionShape, PrdPartListView):
    create_serializer_class = AcceptanceCriterionCreateSerializer
    filterset_class = CriterionFilter
    detail_url_name = "api:acceptance-criterion-detail"

    def create(self, prd, data, by):
        return services.criterion_create(by=by, prd=prd, **data)


# What a contributor may not change. Sending them back unchanged (a whole object read before)
# is no change; read-only fields are ignored, as for anyone.
EDITOR_FIELDS = {"kind", "given", "when", "then", "text"}


@extend_schema_view(
    get=extend_schema(
        summary="An acceptance criterion",
        operation_id="acceptance_criteria_retrieve",
        responses={200: AcceptanceCriterionSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Replace an acceptance criterion's fields (editor; its status alone: contributor)",
        operation_id="acceptance_criteria_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(AcceptanceCriterionSerializer),
    ),
    patch=extend_schema(
        summary="Change some of a criterion's fields (editor; its status alone: contributor)",
        description="A contributor's change of any field but `status` is refused (403).",
        operation_id="acceptance_criteria_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(AcceptanceCriterionSerializer),
    ),
    delete=extend_schema(
        summary="Delete an acceptance criterion (editor)",
        operation_id="acceptance_criteria_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(AcceptanceCriterionSerializer),
    ),
)
@extend_schema(tags=["acceptance-criteria"])
class CriterionDetailView(CriterionShape, ObjectDetailView):
    write_role = Role.CONTRIBUTOR

    def instance(self, role):
        criterion = super().instance(role)
        if self.request.method in ("PUT", "PATCH"):
            data = self.request.data if isinstance(self.request.data, dict) else {}
            caller = criterion.prd.product.role
            changed = [f for f in EDITOR_FIELDS & set(data) if data[f] != getattr(criterion, f)]
            if changed and not caller.includes(Role.EDITOR):
                raise PermissionDenied(
                    "A contributor may set a criterion's status; changing the rest needs the "
                    "editor role."
                )
        return criterion

    def write(self, instance, fields, by, expected):
        services.criterion_update(criterion=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.criterion_delete(criterion=instance, by=by, expected_version=expected)


class AcceptanceCriterionMoveSerializer(serializers.Serializer):
    after = RowWithin(
        model=AcceptanceCriterion,
        noun="acceptance criterion",
        within=_in_prds_of,
        allow_null=True,
        default=None,
        help_text="The criterion of the same PRD to put it after; null for the top.",
    )
    version = _version_field()


@extend_schema_view(
    post=extend_schema(
        summary="Move a criterion after another of its PRD, or to the top (editor)",
        operation_id="acceptance_criteria_move",
        request=AcceptanceCriterionMoveSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(AcceptanceCriterionSerializer),
    )
)
@extend_schema(tags=["acceptance-criteria"])
class CriterionMoveView(CriterionShape, ProductObjectView):
    def post(self, request, pk):
        return self.change(request, AcceptanceCriterionMoveSerializer, self.move)

    def move(self, criterion, fields, by, expected):
        services.criterion_move(criterion=criterion, by=by, expected_version=expected, **fields)


# --- API contracts ------------------------------------------------------------------------------

_DOCUMENT_TOO_LARGE = f"A contract may be at most {CONTRACT_MAX_BYTES // 1_000_000} MB."


def _document_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=CONTRACT_MAX_BYTES,
        trim_whitespace=False,
        error_messages={"max_length": _DOCUMENT_TOO_LARGE},
        help_text="An OpenAPI 3 document, YAML or JSON; refused with the validator's message "
        "and line if it is not valid.",
        **kwargs,
    )


class BodyFieldSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text='Dotted for nested fields ("driver.name", "items[].id").'
    )
    type = serializers.CharField()
    required = serializers.BooleanField()
    description = serializers.CharField(allow_blank=True)


class BodySerializer(serializers.Serializer):
    content_type = serializers.CharField(allow_null=True)
    type = serializers.CharField(allow_null=True)
    fields = BodyFieldSerializer(many=True)


class RequestBodySerializer(BodySerializer):
    required = serializers.BooleanField()


class ResponseBodySerializer(BodySerializer):
    status = serializers.CharField(help_text='"200", "4XX", "default"…')
    description = serializers.CharField(allow_blank=True)


EndpointParameterSerializer = type(
    "EndpointParameterSerializer",
    (serializers.Serializer,),
    {
        "name": serializers.CharField(),
        "in": serializers.CharField(allow_null=True, help_text="path, query, header or cookie."),
        "required": serializers.BooleanField(),
        "type": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
    },
)


class EndpointSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="GET, POST…")
    path = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    operation_id = serializers.CharField(allow_blank=True)
    deprecated = serializers.BooleanField()
    parameters = EndpointParameterSerializer(many=True)
    request = RequestBodySerializer(allow_null=True)
    responses = ResponseBodySerializer(many=True)


class BreakingChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=contracts.BREAKING_KINDS)
    where = serializers.CharField(help_text="The path or operation it is in.")
    detail = serializers.CharField(help_text="What breaks, in a sentence.")


class LargeContract(LargeTextMixin):
    large_field = "document"
    large_message = _DOCUMENT_TOO_LARGE


class ApiContractSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    name = serializers.CharField(max_length=120)
    format = serializers.ChoiceField(choices=ContractFormat.choices, read_only=True)
    revision = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Number of the current revision."
    )
    breaking_changes = BreakingChangeSerializer(
        many=True,
        read_only=True,
        help_text="What the current revision breaks for clients of the one before.",
    )
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ApiContractDetailSerializer(ApiContractSerializer):
    document = _document_field(required=False)
    endpoints = EndpointSerializer(
        many=True, read_only=True, help_text="Every operation, in document order."
    )


class ApiContractCreateSerializer(ApiContractDetailSerializer):
    prd = _prd_field()
    document = _document_field()


class ContractShape(PageLinked):
    """An OpenAPI 3 document attached to a PRD, validated on every save; each new text is a
    revision, with the breaking changes from the one before. Lists leave the document and its
    endpoints out; read the contract for them."""

    model = ApiContract
    product_path = "prd__product"
    fields = ("id", "prd", "name", "version", "created_at")
    page = (
        "prds:contract",
        {"product_id": "product", "prd_id": "prd", "contract_id": "id"},
    )
    serializer_class = ApiContractSerializer
    detailed = False

    def rows(self, queryset):
        extra = {
            "format": F("current_revision__format"),
            "revision": F("current_revision__number"),
            "breaking_changes": F("current_revision__breaking_changes"),
        }
        if self.detailed:
            extra["document"] = F("current_revision__document")
            extra["endpoints"] = F("current_revision__endpoints")
        return queryset.values(*self.fields, product=F(self.product_path), **extra)

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            row["breaking_changes"] = row["breaking_changes"] or []
            if self.detailed:
                row["document"] = row["document"] or ""
                row["endpoints"] = row["endpoints"] or []
        return rows


ContractFilter = _filterset(ApiContract, "prd__product", prd=_prd_filter())


@extend_schema_view(
    get=extend_schema(
        summary="List API contracts (without their documents)",
        operation_id="api_contracts_list",
        responses={200: ApiContractSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        summary="Attach an OpenAPI 3 contract to a PRD (editor)",
        description=(
            "An invalid document (not YAML or JSON, OpenAPI 2, invalid OpenAPI 3, over 1 MB) "
            "is a 400 whose `document` error gives the validator's message and line."
        ),
        operation_id="api_contracts_create",
        request=ApiContractCreateSerializer,
        responses={201: ApiContractDetailSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["api-contracts"])
class ContractListView(LargeContract, ContractShape, PrdPartListView):
    create_serializer_class = ApiContractCreateSerializer
    filterset_class = ContractFilter
    detail_url_name = "api:api-contract-detail"

    def create(self, prd, data, by):
        return services.contract_create(by=by, prd=prd, **data)

    def created(self, instance):
        self.detailed = True
        return super().created(instance)


@extend_schema_view(
    get=extend_schema(
        summary="An API contract: its current document and endpoints",
        operation_id="api_contracts_retrieve",
        responses={200: ApiContractDetailSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Rename a contract and save its document (editor)",
        description="A changed document is validated and saved as the next revision.",
        operation_id="api_contracts_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ApiContractDetailSerializer),
    ),
    patch=extend_schema(
        summary="Rename a contract, or save a new text of it as its next revision (editor)",
        description="A changed document is validated and saved as the next revision.",
        operation_id="api_contracts_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ApiContractDetailSerializer),
    ),
    delete=extend_schema(
        summary="Delete a contract with its revisions (editor)",
        operation_id="api_contracts_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(ApiContractDetailSerializer),
    ),
)
@extend_schema(tags=["api-contracts"])
class ContractDetailView(LargeContract, ContractShape, ObjectDetailView):
    serializer_class = ApiContractDetailSerializer
    detailed = True

    def write(self, instance, fields, by, expected):
        services.contract_update(contract=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.contract_delete(contract=instance, by=by, expected_version=expected)


class ApiContractRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    contract = serializers.IntegerField(help_text="Contract id.")
    author = serializers.IntegerField(allow_null=True, help_text="User id.")
    author_name = serializers.CharField(allow_null=True)
    format = serializers.ChoiceField(choices=ContractFormat.choices)
    endpoints = EndpointSerializer(many=True)
    breaking_changes = BreakingChangeSerializer(
        many=True, help_text="From the revision before this one."
    )
    created_at = serializers.DateTimeField()


class ContractRevisionShape(PageLinked):
    """The valid texts a contract has had, newest first, each with its endpoints and what it
    broke for clients of the one before."""

    model = ApiContractRevision
    product_path = "contract__prd__product"
    fields = (
        "id",  # (ShapedMixin.finish wants it; revisions are named by number)
        "number",
        "contract",
        "author",
        "format",
        "endpoints",
        "breaking_changes",
        "created_at",
    )
    names = ("author",)

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            del row["id"], row["product"]
        return rows

    def contract(self) -> ApiContract:
        return object_for(
            self.request.user,
            ApiContract.objects.all(),
            self.kwargs["pk"],
            Role.VIEWER,
            token=token_of(self.request),
            product_path="prd__product",
        )


@extend_schema_view(
    get=extend_schema(
        summary="List a contract's revisions, newest first",
        operation_id="api_contracts_revisions_list",
        responses={200: ApiContractRevisionSerializer(many=True), **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["api-contracts"])
class ContractRevisionListView(ContractRevisionShape, generics.GenericAPIView):
    permission_classes = API_PERMISSIONS
    pagination_class = NewestFirst
    queryset = ApiContractRevision.objects.none()

    def get(self, request, pk):
        contract = self.contract()
        revisions = ApiContractRevision.objects.filter(contract=contract)
        page = self.paginate_queryset(self.rows(revisions))
        return self.get_paginated_response(self.finish(page))


class BreakingChangesSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    from_revision = serializers.IntegerField()
    to_revision = serializers.IntegerField()
    breaking_changes = BreakingChangeSerializer(
        many=True, help_text="What a client written against `from` would break on in `to`."
    )


@extend_schema_view(
    get=extend_schema(
        summary="The breaking changes between two revisions of a contract",
        description=(
            "Removed paths or operations, removed response fields, newly required request "
            "fields or parameters, changed types: what a client written against revision "
            "`from` would break on in revision `to`."
        ),
        operation_id="api_contracts_breaking_changes",
        parameters=REVISION_PAIR,
        responses={200: BreakingChangesSerializer, **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["api-contracts"])
class ContractBreakingChangesView(ContractRevisionShape, generics.GenericAPIView):
    permission_classes = API_PERMISSIONS
    queryset = ApiContractRevision.objects.none()

    def get(self, request, pk):
        contract = self.contract()
        numbers = _revision_pair(request)
        old, new = _numbered(contract.revisions.all(), numbers, "contract")
        return Response(
            {
                "contract": contract.pk,
                "from_revision": old.number,
                "to_revision": new.number,
                "breaking_changes": contracts.breaking_changes(old.parsed, new.parsed),
            }
        )


# --- Performance expectations -------------------------------------------------------------------

_TARGET = serializers.DecimalField(max_digits=14, decimal_places=3)


class PerformanceExpectationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    metric = serializers.CharField(max_length=200, help_text="e.g. p95 latency of GET /items.")
    comparator = serializers.ChoiceField(choices=Comparator.choices, default=Comparator.LTE)
    target = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField(max_length=30, allow_blank=True, required=False)
    context = serializers.CharField(
        max_length=300, allow_blank=True, required=False, help_text="e.g. 10k items, warm cache."
    )
    position = serializers.IntegerField(read_only=True)
    version = _version_field()
    html_url = serializers.URLField(read_only=True, help_text="The PRD's page, which shows it.")
    created_at = serializers.DateTimeField(read_only=True)


class PerformanceExpectationCreateSerializer(PerformanceExpectationSerializer):
    prd = _prd_field()


class ExpectationShape(PageLinked):
    """A performance expectation of a PRD: metric, comparator, target and unit (`p95 latency of
    GET /items < 200 ms`), with the context it holds in."""

    model = PerformanceExpectation
    product_path = "prd__product"
    fields = (
        "id",
        "prd",
        "metric",
        "comparator",
        "target",
        "unit",
        "context",
        "position",
        "version",
        "created_at",
    )
    page = PRD_PAGE
    serializer_class = PerformanceExpectationSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            row["target"] = _TARGET.to_representation(row["target"])
        return rows


ExpectationFilter = _filterset(PerformanceExpectation, "prd__product", prd=_prd_filter())


@_collection_schema(
    "performance_expectations",
    PerformanceExpectationSerializer,
    PerformanceExpectationCreateSerializer,
    plural="performance expectations",
    noun="a performance expectation",
)
@extend_schema(tags=["performance-expectations"])
class ExpectationListView(ExpectationShape, PrdPartListView):
    create_serializer_class = PerformanceExpectationCreateSerializer
    filterset_class = ExpectationFilter
    detail_url_name = "api:performance-expectation-detail"

    def create(self, prd, data, by):
        return services.expectation_create(by=by, prd=prd, **data)


@_object_schema(
    "performance_expectations", PerformanceExpectationSerializer, noun="a performance expectation"
)
@extend_schema(tags=["performance-expectations"])
class ExpectationDetailView(ExpectationShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.expectation_update(
            expectation=instance, by=by, expected_version=expected, **fields
        )

    def remove(self, instance, by, expected):
        services.expectation_delete(expectation=instance, by=by, expected_version=expected)


# --- Decisions ----------------------------------------------------------------------------------


class DecisionOptionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    cost = serializers.CharField(max_length=1000, allow_blank=True, default="")
    scalability = serializers.CharField(max_length=1000, allow_blank=True, default="")
    maintenance = serializers.CharField(
        max_length=1000, allow_blank=True, default="", help_text="The maintenance burden."
    )
    business_impact = serializers.CharField(max_length=1000, allow_blank=True, default="")


class OptionsField(serializers.ListField):
    """The options weighed, each checked as a ``DecisionOptionSerializer``; a bad one is
    reported as "Option 2: name: …" (the error shape has one list of strings per field)."""

    def __init__(self, **kwargs):
        super().__init__(child=DecisionOptionSerializer(), min_length=1, max_length=50, **kwargs)

    def to_internal_value(self, data):
        try:
            return [dict(option) for option in super().to_internal_value(data)]
        except exceptions.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            messages = []
            for index, problems in error.detail.items():
                if not isinstance(problems, dict):
                    problems = {"non_field_errors": problems}
                for field, texts in problems.items():
                    label = "" if field == "non_field_errors" else f"{field}: "
                    messages += [f"Option {index + 1}: {label}{text}" for text in texts]
            raise exceptions.ValidationError(messages) from None


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    context = serializers.CharField(
        max_length=20_000, allow_blank=True, required=False, help_text="Markdown."
    )
    context_html = serializers.CharField(read_only=True)
    options = OptionsField(
        help_text="Each option weighed on cost, scalability, maintenance and business impact."
    )
    choice = serializers.CharField(max_length=5_000)
    decided_by = MemberOfProduct(required=False, help_text="User id of a member; default: you.")
    decided_by_name = serializers.CharField(read_only=True)
    decided_on = serializers.DateField(required=False, help_text="Default: today.")
    version = _version_field()
    html_url = serializers.URLField(read_only=True, help_text="The PRD's page, which shows it.")
    created_at = serializers.DateTimeField(read_only=True)


class DecisionCreateSerializer(DecisionSerializer):
    prd = _prd_field()


class DecisionShape(PageLinked):
    """A tradeoff record of a PRD: its context, the options weighed on cost, scalability,
    maintenance burden and business impact, the choice, who made it and when."""

    model = Decision
    product_path = "prd__product"
    fields = (
        "id",
        "prd",
        "title",
        "context",
        "context_html",
        "options",
        "choice",
        "decided_by",
        "decided_on",
        "version",
        "created_at",
    )
    names = ("decided_by",)
    page = PRD_PAGE
    serializer_class = DecisionSerializer


DecisionFilter = _filterset(Decision, "prd__product", prd=_prd_filter())


@_collection_schema(
    "decisions",
    DecisionSerializer,
    DecisionCreateSerializer,
    plural="decisions (tradeoff records)",
    noun="a decision",
)
@extend_schema(tags=["decisions"])
class DecisionListView(DecisionShape, PrdPartListView):
    create_serializer_class = DecisionCreateSerializer
    filterset_class = DecisionFilter
    detail_url_name = "api:decision-detail"

    def create(self, prd, data, by):
        data.setdefault("decided_by", by.user)
        return services.decision_create(by=by, prd=prd, **data)


@_object_schema("decisions", DecisionSerializer, noun="a decision")
@extend_schema(tags=["decisions"])
class DecisionDetailView(DecisionShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.decision_update(decision=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.decision_delete(decision=instance, by=by, expected_version=expected)


# --- Reviews ------------------------------------------------------------------------------------


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    reviewer = serializers.IntegerField(read_only=True, help_text="User id.")
    reviewer_name = serializers.CharField(read_only=True)
    requested_by = serializers.IntegerField(read_only=True, allow_null=True, help_text="User id.")
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        read_only=True,
        help_text="`pending` until the reviewer gives a verdict.",
    )
    comment = serializers.CharField(read_only=True, help_text="Markdown.")
    comment_html = serializers.CharField(read_only=True)
    revision_number = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The PRD revision the verdict was given on."
    )
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = _version_field()
    html_url = serializers.URLField(read_only=True, help_text="The PRD's page, which shows it.")
    created_at = serializers.DateTimeField(read_only=True)


class ReviewCreateSerializer(serializers.Serializer):
    prd = _prd_field()
    reviewer = MemberOfProduct(help_text="User id of a member (contributor or above).")


class ReviewShape(PageLinked):
    """A reviewer requested on a PRD and their verdict: pending, approved or changes requested
    (with a comment). A PRD is approved only when every requested reviewer approved."""

    model = Review
    product_path = "prd__product"
    fields = (
        "id",
        "prd",
        "reviewer",
        "requested_by",
        "verdict",
        "comment",
        "comment_html",
        "revision_number",
        "decided_at",
        "version",
        "created_at",
    )
    names = ("reviewer",)
    page = PRD_PAGE
    serializer_class = ReviewSerializer


ReviewFilter = _filterset(
    Review,
    "prd__product",
    prd=_prd_filter(),
    reviewer=IdFilter(field_name="reviewer_id", help_text="Reviewer's user id."),
    verdict=django_filters.ChoiceFilter(choices=Verdict.choices),
)


@_collection_schema(
    "reviews",
    ReviewSerializer,
    ReviewCreateSerializer,
    plural="reviews",
    noun="a review: ask a member to review a PRD",
)
@extend_schema(tags=["reviews"])
class ReviewListView(ReviewShape, PrdPartListView):
    create_serializer_class = ReviewCreateSerializer
    filterset_class = ReviewFilter
    detail_url_name = "api:review-detail"

    def create(self, prd, data, by):
        return services.review_request(by=by, prd=prd, **data)


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=GIVEN_VERDICTS)
    comment = serializers.CharField(
        max_length=20_000,
        allow_blank=True,
        default="",
        help_text="Markdown; needed when requesting changes.",
    )
    version = _version_field()


@extend_schema_view(
    get=extend_schema(
        summary="A review",
        operation_id="reviews_retrieve",
        responses={200: ReviewSerializer, 304: None, **ERROR_RESPONSES},
    ),
    patch=extend_schema(
        summary="Give a verdict: approve or request changes (the requested reviewer only)",
        description=(
            "Only the reviewer the review was requested from may give it (anyone else: 403), "
            "while the PRD is in review; requesting changes needs a comment."
        ),
        operation_id="reviews_partial_update",
        request=VerdictSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ReviewSerializer),
    ),
    delete=extend_schema(
        summary="Withdraw a review request (editor)",
        operation_id="reviews_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(ReviewSerializer),
    ),
)
@extend_schema(tags=["reviews"])
class ReviewDetailView(ReviewShape, ObjectDetailView):
    http_method_names = ["get", "patch", "delete", "head", "options"]
    write_role = Role.VIEWER  # the reviewer, whatever their role; checked in instance()

    def instance(self, role):
        review = super().instance(role)
        if self.request.method == "PATCH" and review.reviewer_id != self.request.user.pk:
            raise PermissionDenied("Only the requested reviewer can give this review.")
        return review

    def update(self, request, *, partial):
        # A verdict is always whole: even a PATCH names it.
        return self.change(request, VerdictSerializer, self.write)

    def write(self, instance, fields, by, expected):
        services.review_submit(review=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.review_withdraw(review=instance, by=by, expected_version=expected)


# --- Comments -----------------------------------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the PRD's).")
    prd = serializers.IntegerField(read_only=True, help_text="PRD id.")
    criterion = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The criterion it is on, if any."
    )
    parent = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The comment it replies to, if any."
    )
    author = serializers.IntegerField(read_only=True, help_text="User id.")
    author_name = serializers.CharField(read_only=True)
    body = serializers.CharField(max_length=20_000, trim_whitespace=False, help_text="Markdown.")
    body_html = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    html_url = serializers.URLField(read_only=True, help_text="The PRD's page, at the comment.")
    created_at = serializers.DateTimeField(read_only=True)


class CommentCreateSerializer(CommentSerializer):
    prd = _prd_field()
    criterion = RowWithin(
        model=AcceptanceCriterion,
        noun="acceptance criterion",
        within=_in_prds_of,
        required=False,
        allow_null=True,
        help_text="A criterion of the PRD, to comment on it.",
    )
    parent = RowWithin(
        model=Comment,
        noun="comment",
        within=_in_prds_of,
        required=False,
        allow_null=True,
        help_text="A comment on the PRD, to reply to it (the reply joins its criterion).",
    )


class CommentShape(PageLinked):
    """A comment on a PRD or on one of its criteria; replies name their parent, so threads
    can be rebuilt in creation order. Comments are not edited; their author or an admin
    deletes them (with their replies)."""

    model = Comment
    product_path = "prd__product"
    fields = (
        "id",
        "prd",
        "criterion",
        "parent",
        "author",
        "body",
        "body_html",
        "version",
        "created_at",
    )
    page = PRD_PAGE
    anchor = "#comment-{id}"
    names = ("author",)
    serializer_class = CommentSerializer


CommentFilter = _filterset(
    Comment,
    "prd__product",
    prd=_prd_filter(),
    criterion=IdFilter(field_name="criterion_id", help_text="Criterion id."),
)


@extend_schema_view(
    get=extend_schema(
        summary="List comments (oldest first)",
        operation_id="comments_list",
        responses={200: CommentSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        summary="Comment on a PRD or one of its criteria, or reply to a comment (contributor)",
        operation_id="comments_create",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["comments"])
class CommentListView(CommentShape, PrdPartListView):
    create_role = Role.CONTRIBUTOR
    create_serializer_class = CommentCreateSerializer
    filterset_class = CommentFilter
    detail_url_name = "api:comment-detail"

    def create(self, prd, data, by):
        return services.comment_create(by=by, prd=prd, **data)


@extend_schema_view(
    get=extend_schema(
        summary="A comment",
        operation_id="comments_retrieve",
        responses={200: CommentSerializer, 304: None, **ERROR_RESPONSES},
    ),
    delete=extend_schema(
        summary="Delete a comment and its replies (its author, or an admin)",
        operation_id="comments_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(CommentSerializer),
    ),
)
@extend_schema(tags=["comments"])
class CommentDetailView(CommentShape, ObjectDetailView):
    http_method_names = ["get", "delete", "head", "options"]  # a comment is never edited
    delete_role = Role.VIEWER  # its author, whatever their role now; else an admin

    def instance(self, role):
        comment = super().instance(role)
        if self.request.method == "DELETE":
            caller = comment.prd.product.role
            if comment.author_id != self.request.user.pk and not caller.includes(Role.ADMIN):
                raise PermissionDenied("Only its author or an admin can delete a comment.")
        return comment

    def remove(self, instance, by, expected):
        services.comment_delete(
            comment=instance, by=by, expected_version=expected, role=instance.prd.product.role
        )


# --- Templates ----------------------------------------------------------------------------------


class PrdTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Product id; null for a built-in template."
    )
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=300, allow_blank=True, required=False)
    body = _text(BODY_MAX_LENGTH, help_text="Markdown a new PRD starts from.")
    builtin = serializers.BooleanField(
        read_only=True, help_text="Built-in templates are read-only; copy one to change it."
    )
    version = _version_field()
    html_url = serializers.URLField(
        read_only=True, allow_null=True, help_text="Its edit page; null for a built-in template."
    )
    created_at = serializers.DateTimeField(read_only=True)


class PrdTemplateCreateSerializer(PrdTemplateSerializer):
    product = _id_field(help_text="Product id (editor).")


class TemplateShape(PageLinked):
    """A template a PRD can start from: the built-in ones every product sees (read-only), and
    a product's own, which its editors write."""

    model = PrdTemplate
    fields = ("id", "product", "name", "description", "body", "version", "created_at")
    page = ("prds:template-edit", {"product_id": "product", "template_id": "id"})
    serializer_class = PrdTemplateSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            row["builtin"] = row["product"] is None
        return rows


class TemplateFilter(django_filters.FilterSet):
    # ``?product=`` is applied by the view (it keeps the built-in templates); declared here
    # for the schema.
    product = IdFilter(
        method=lambda queryset, name, value: queryset,
        help_text="Product id (404 if you cannot see it): its templates and the built-in ones.",
    )
    builtin = django_filters.BooleanFilter(
        field_name="product", lookup_expr="isnull", help_text="Only built-in (or own) templates."
    )

    class Meta:
        model = PrdTemplate
        fields = ["product", "builtin"]


@extend_schema_view(
    get=extend_schema(
        summary="List PRD templates: the built-in ones and your products' (or one product's)",
        operation_id="prd_templates_list",
        responses={200: PrdTemplateSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        summary="Create a product's PRD template (editor)",
        operation_id="prd_templates_create",
        request=PrdTemplateCreateSerializer,
        responses={201: PrdTemplateSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["prd-templates"])
class TemplateListView(LargeTextMixin, TemplateShape, ProductListView):
    create_serializer_class = PrdTemplateCreateSerializer
    filterset_class = TemplateFilter
    detail_url_name = "api:prd-template-detail"

    def visible_rows(self) -> Q:
        return super().visible_rows() | Q(product=None)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.asked_product is not None and response.data["results"]:
            # The built-in templates fill every page: they prove nothing about the product.
            product_for(request.user, self.asked_product, self.list_role, token=token_of(request))
        return response

    def create(self, product, data, by):
        return services.template_create(by=by, product=product, **data)


@extend_schema_view(
    get=extend_schema(
        summary="A PRD template",
        operation_id="prd_templates_retrieve",
        responses={200: PrdTemplateSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Replace a product's template (editor; built-in ones are read-only: 403)",
        operation_id="prd_templates_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdTemplateSerializer),
    ),
    patch=extend_schema(
        summary="Change some of a product's template (editor; built-in ones are read-only: 403)",
        operation_id="prd_templates_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(PrdTemplateSerializer),
    ),
    delete=extend_schema(
        summary="Delete a product's template (editor; built-in ones are read-only: 403)",
        operation_id="prd_templates_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(PrdTemplateSerializer),
    ),
)
@extend_schema(tags=["prd-templates"])
class TemplateDetailView(LargeTextMixin, TemplateShape, ObjectDetailView):
    def instance(self, role):
        template = PrdTemplate.objects.filter(pk=self.kwargs["pk"]).first()
        if template is None:
            raise Http404("No such template.")
        if template.product_id is None:
            # Every signed-in caller reads the built-in templates; nobody writes them.
            if self.request.method not in ("GET", "HEAD", "OPTIONS"):
                raise PermissionDenied("Built-in templates are read-only; make a copy instead.")
            return template
        template.product = product_for(
            self.request.user, template.product_id, role, token=token_of(self.request)
        )
        return template

    def write(self, instance, fields, by, expected):
        services.template_update(template=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.template_delete(template=instance, by=by, expected_version=expected)
