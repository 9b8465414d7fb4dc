"""API of the roadmap: teams, vision, objectives, items, dependencies, releases, risks, evidence,
snapshots and share links, as flat resources under /api/v1/.

Serializers validate input and describe the output; every write goes through roadmaps/services.py.
Responses are shaped from ``.values()`` rows rather than by serializing model instances: a list
of 100 items through DRF's field-by-field serialization costs about twenty times the query
itself (PRODUCT.md §7 asks for half the speed of a bare view). Each resource has one shaper used
for its list, its detail and the ``current`` of a 412, so the three cannot drift apart; the
serializer of the resource documents that shape in the schema.
"""

import datetime
import functools
from decimal import Decimal
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import F, Q
from django.urls import get_script_prefix, reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from lodestar.api import (
    ERROR_RESPONSES,
    IF_MATCH,
    VersionedObjectMixin,
    versioned_delete_responses,
    versioned_write_responses,
)
from products.activity import Actor
from products.api import API_PERMISSIONS, token_of
from products.models import Product, Role
from products.permissions import object_for, product_for, rows_visible_to

from . import services
from .models import (
    TITLE_MAX_LENGTH,
    ChecklistEntry,
    ChecklistKind,
    Dependency,
    Importance,
    Insight,
    InsightSource,
    KeyResult,
    Lane,
    Objective,
    Release,
    ReleaseStatus,
    Risk,
    RiskStatus,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapView,
    Severity,
    ShareLink,
    Status,
    Team,
    Vision,
)
from .queries import IdFilter, RoadmapItemFilter, late_blockers, snapshot_compare_now

# Ids beyond a signed 64-bit integer cannot name a row; refusing them keeps them away from the
# database driver, which would raise instead of finding nothing.
ID_MAX = 2**63 - 1
LINKS_MAX = 500


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def _version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, help_text="Send back on writes unless you send If-Match."
    )


def _parse_id(field: str, raw: Any) -> int:
    try:
        return _id_field().run_validation(raw)
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({field: error.detail}) from None


def _required_id(request, field: str) -> int:
    """The id the body gives in ``field``, which it must."""
    data = request.data if isinstance(request.data, dict) else {}
    if data.get(field) is None:
        raise exceptions.ValidationError({field: ["This field is required."]})
    return _parse_id(field, data[field])


_DECIMAL = serializers.DecimalField(max_digits=14, decimal_places=2)


# --- Fields that link rows of the same product ------------------------------------------------


def _flat_errors(convert, data):
    """``convert(data)`` with the errors of a list's or dict's members as plain messages: the
    error shape has one list of strings per field (DRF would nest them by index or key)."""
    try:
        return convert(data)
    except exceptions.ValidationError as error:
        if not isinstance(error.detail, dict):
            raise
        raise exceptions.ValidationError(
            [f"{key}: {message}" for key, messages in error.detail.items() for message in messages]
        ) from None


class FlatDictField(serializers.DictField):
    def to_internal_value(self, data):
        return _flat_errors(super().to_internal_value, data)


class RowOfProduct(serializers.IntegerField):
    """The id of a row of the product being written; any other id is a field error that says
    nothing about the row it names (it may belong to a product the caller cannot see)."""

    def __init__(self, *, model: type[models.Model], noun: str, **kwargs):
        self.model, self.noun = model, noun
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)

    def run_validation(self, data=serializers.empty):
        # The id is checked (range, validators) first; the row is looked up after.
        pk = super().run_validation(data)
        if pk is None:
            return None
        product = self.parent.context["product"]
        row = self.model.objects.filter(product=product, pk=pk).first()
        if row is None:
            raise serializers.ValidationError(f"This product has no {self.noun} with id {pk}.")
        row.product = product
        return row


class RowsOfProduct(serializers.ListField):
    """Ids of rows of the product being written (one query for all of them)."""

    def __init__(self, *, model: type[models.Model], noun: str, **kwargs):
        self.model, self.noun = model, noun
        kwargs.setdefault("child", _id_field())
        super().__init__(max_length=LINKS_MAX, **kwargs)

    def to_internal_value(self, data):
        ids = list(dict.fromkeys(_flat_errors(super().to_internal_value, data)))
        product = self.parent.context["product"]
        rows = {row.pk: row for row in self.model.objects.filter(product=product, pk__in=ids)}
        missing = [str(pk) for pk in ids if pk not in rows]
        if missing:
            raise serializers.ValidationError(
                f"This product has no {self.noun} with id {', '.join(missing)}."
            )
        for row in rows.values():
            row.product = product
        return [rows[pk] for pk in ids]


class MemberOfProduct(serializers.IntegerField):
    """The user id of a member of the product being written."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)
        if pk is None:
            return None
        product = self.parent.context["product"]
        user = get_user_model().objects.filter(pk=pk, memberships__product=product).first()
        if user is None:
            raise serializers.ValidationError(f"No member of this product has id {pk}.")
        return user


# --- Shaping rows -------------------------------------------------------------------------------

_SENTINEL_PRODUCT, _SENTINEL_ID = 918_273_645, 546_372_819


@functools.cache
def _url_template(model: type[models.Model], script_prefix: str) -> str:
    """The model's ``get_absolute_url`` with ``{product}`` and ``{id}`` holes, so that a list
    formats a string per row instead of resolving a URL per row (under ``script_prefix``,
    which the URLs resolved here start with)."""
    url = model(pk=_SENTINEL_ID, product_id=_SENTINEL_PRODUCT).get_absolute_url()
    return url.replace(str(_SENTINEL_PRODUCT), "{product}").replace(str(_SENTINEL_ID), "{id}")


def _one_of(column: str, ids: list[int]) -> tuple[str, list]:
    """SQL saying ``column`` is one of ``ids``, with its parameters.

    On PostgreSQL one array literal (``= ANY('{1,2,3}'::bigint[])``): an ``IN`` list of 100
    parameters costs the planner about a millisecond, several times the query itself.
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _link_ids(field: models.ManyToManyField, ids: list[int]) -> dict[int, list[int]]:
    """Row id → the ids it links to through the many-to-many ``field``, for the rows ``ids``.
    One query.

    Plain SQL on purpose: the ORM prepares each of the (up to 100) ids of an ``__in`` lookup
    one by one, which costs more than running the query.
    """
    linked: dict[int, list[int]] = {pk: [] for pk in ids}
    if not ids:
        return linked
    quote = connection.ops.quote_name
    table = field.m2m_db_table()
    owner_column, target_column = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    owned, params = _one_of(owner_column, ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {owner_column}, {target_column} FROM {quote(table)} "  # noqa: S608 - names from the models
            f"WHERE {owned} ORDER BY {target_column}",
            params,
        )
        for owner_id, target_id in cursor.fetchall():
            linked[owner_id].append(target_id)
    return linked


class ShapedMixin:
    """Shapes a resource's rows for the API: ``rows()`` selects them as dicts, ``finish()``
    completes a page of them (links, URLs) with a constant number of queries."""

    model: type[models.Model]
    product_path = "product"
    fields: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # many-to-many fields, shown as lists of ids (a query each)
    has_page = True

    def rows(self, queryset):
        extra = {}
        if self.product_path != "product":
            extra["product"] = F(self.product_path)
        return queryset.values(*self.fields, **extra)

    def finish(self, rows: list[dict]) -> list[dict]:
        if self.has_page:
            base = self.request.build_absolute_uri("/")[:-1]
            template = base + _url_template(self.model, get_script_prefix())
        ids = [row["id"] for row in rows]
        linked = {name: _link_ids(self.model._meta.get_field(name), ids) for name in self.links}
        for row in rows:
            if self.has_page:
                row["html_url"] = template.format(product=row["product"], id=row["id"])
            for name, targets in linked.items():
                row[name] = targets[row["id"]]
        return rows

    def shape(self, instance) -> dict:
        return self.finish(list(self.rows(self.model.objects.filter(pk=instance.pk))))[0]


class ProductListView(ShapedMixin, generics.ListAPIView):
    """A list across the products the caller (and their token) may see, or of one ``product``;
    and the create of a row in a product named by the body."""

    permission_classes = API_PERMISSIONS
    list_role = Role.VIEWER
    create_role = Role.EDITOR
    create_serializer_class: type[serializers.Serializer]

    asked_product: int | None = None

    def visible_rows(self) -> Q:
        """The rows listed: those of the products the caller sees with ``list_role``,
        narrowed to ``?product=`` when given (checked in ``list`` only if nothing is found:
        rows found prove the product visible, and the check would cost a query)."""
        roles = None
        if self.list_role != Role.VIEWER:
            roles = [role for role in Role if role.includes(self.list_role)]
        visible = rows_visible_to(
            self.request.user, path=self.product_path, token=token_of(self.request), roles=roles
        )
        raw = self.request.query_params.get("product")
        if raw is not None:
            self.asked_product = _parse_id("product", raw)
            visible &= Q(**{f"{self.product_path}_id": self.asked_product})
        return visible

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return self.model.objects.none()
        return self.model.objects.filter(self.visible_rows())

    def filter_queryset(self, queryset):
        # Binding a FilterSet (its form, every field) costs more than the rest of a list
        # request; without a filter parameter there is nothing for it to do (``product`` is
        # applied by get_queryset).
        asked = set(self.request.query_params) - {"product", "cursor", "page_size"}
        if not asked & set(self.filterset_class.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(self.rows(queryset))
        if not page and self.asked_product is not None:
            # Nothing found: an empty product, or one the caller may not list (404/403).
            product_for(request.user, self.asked_product, self.list_role, token=token_of(request))
        return self.get_paginated_response(self.finish(page))

    # Creating.

    def product_of_body(self, request, role: Role) -> Product:
        product_id = _required_id(request, "product")
        return product_for(request.user, product_id, role, token=token_of(request))

    def validated(self, request, product: Product) -> dict:
        serializer = self.create_serializer_class(
            data=request.data, context={"request": request, "product": product}
        )
        serializer.is_valid(raise_exception=True)
        return {
            key: value
            for key, value in serializer.validated_data.items()
            if key not in ("product", "version")
        }

    def post(self, request):
        product = self.product_of_body(request, self.create_role)
        instance = self.create(product, self.validated(request, product), Actor.api(request))
        return self.created(instance)

    def create(self, product: Product, data: dict, by: Actor):
        raise NotImplementedError

    def created(self, instance) -> Response:
        response = Response(self.shape(instance), status=status.HTTP_201_CREATED)
        if hasattr(instance, "etag"):  # a snapshot is never edited: it has no version
            response["ETag"] = instance.etag
        response["Location"] = reverse(self.detail_url_name, args=[instance.pk])
        return response


class ProductObjectView(ShapedMixin, VersionedObjectMixin, generics.GenericAPIView):
    """One row of a product: read by viewers, written by editors (unless a view says more)."""

    permission_classes = API_PERMISSIONS
    read_role = Role.VIEWER
    write_role = Role.EDITOR
    delete_role = Role.EDITOR

    def get_queryset(self):
        return self.model.objects.all()

    def representation(self, instance) -> dict:
        # The shaped row, like the list's: for a detail, a write and a 412's ``current``.
        return self.shape(instance)

    def instance(self, role: Role):
        return object_for(
            self.request.user,
            self.model.objects.all(),
            self.kwargs["pk"],
            role,
            token=token_of(self.request),
            product_path=self.product_path,
        )

    def product_of(self, instance) -> Product:
        holder = instance
        for step in self.product_path.split("__"):
            holder = getattr(holder, step)
        return holder

    def retrieve(self, request):
        instance = self.instance(self.read_role)
        return self.not_modified(request, instance) or self.object_response(instance)

    def update(self, request, *, partial: bool):
        return self.change(request, self.get_serializer_class(), self.write, partial=partial)

    def change(self, request, serializer_class, apply, *, partial: bool = False) -> Response:
        """A versioned write of the row (an update or an action such as move): the body checked
        by ``serializer_class``, then ``apply(instance, fields, by, expected_version)``."""
        instance = self.instance(self.write_role)
        serializer = serializer_class(
            data=request.data,
            partial=partial,
            context={"request": request, "product": self.product_of(instance)},
        )
        serializer.is_valid(raise_exception=True)
        fields = {
            key: value for key, value in serializer.validated_data.items() if key != "version"
        }
        with self.versioned_write(request, instance) as expected:
            apply(instance, fields, Actor.api(request), expected)
        return self.object_response(instance)

    def destroy(self, request):
        instance = self.instance(self.delete_role)
        with self.versioned_write(request, instance) as expected:
            self.remove(instance, Actor.api(request), expected)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def write(self, instance, fields: dict, by: Actor, expected: int) -> None:
        raise NotImplementedError

    def remove(self, instance, by: Actor, expected: int) -> None:
        raise NotImplementedError


# GET, PUT, PATCH and DELETE of one row; a resource with fewer of them narrows
# ``http_method_names`` (so that the schema and the Allow header list only those). No docstring:
# the schema describes the operations with ProductObjectView's.
class ObjectDetailView(ProductObjectView):
    def get(self, request, pk):
        return self.retrieve(request)

    def put(self, request, pk):
        return self.update(request, partial=False)

    def patch(self, request, pk):
        return self.update(request, partial=True)

    def delete(self, request, pk):
        return self.destroy(request)


def _product_filter(path: str = "product") -> django_filters.NumberFilter:
    return IdFilter(
        field_name=f"{path}_id",
        help_text="Product id (404 if you cannot see it); without it, all your products.",
    )


def _filterset(model, product_path: str = "product", **filters) -> type[django_filters.FilterSet]:
    """The FilterSet of a resource's list: ``?product=`` and the ``filters`` given."""
    meta = type("Meta", (), {"model": model, "fields": ["product", *filters]})
    attrs = {"product": _product_filter(product_path), **filters, "Meta": meta}
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), attrs)


def _collection_schema(tag, serializer, create_serializer, *, plural, noun):
    return extend_schema_view(
        get=extend_schema(
            summary=f"List {plural}",
            operation_id=f"{tag}_list",
            responses={200: serializer(many=True), **ERROR_RESPONSES},
        ),
        post=extend_schema(
            summary=f"Create {noun} (editor)",
            operation_id=f"{tag}_create",
            request=create_serializer,
            responses={201: serializer, **ERROR_RESPONSES},
        ),
    )


def _object_schema(tag, serializer, *, noun, update=True):
    views = {
        "get": extend_schema(
            summary=noun.capitalize(),
            operation_id=f"{tag}_retrieve",
            responses={200: serializer, 304: None, **ERROR_RESPONSES},
        )
    }
    if update:
        views["put"] = extend_schema(
            summary=f"Replace {noun}'s fields (editor)",
            operation_id=f"{tag}_update",
            parameters=[IF_MATCH],
            responses=versioned_write_responses(serializer),
        )
        views["patch"] = extend_schema(
            summary=f"Change some of {noun}'s fields (editor)",
            operation_id=f"{tag}_partial_update",
            parameters=[IF_MATCH],
            responses=versioned_write_responses(serializer),
        )
    views["delete"] = extend_schema(
        summary=f"Delete {noun} (editor)",
        operation_id=f"{tag}_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(serializer),
    )
    return extend_schema_view(**views)


# --- Teams --------------------------------------------------------------------------------------


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    name = serializers.CharField(max_length=80)
    capacity_points = serializers.IntegerField(
        min_value=0, max_value=10_000, default=0, help_text="Points per sprint."
    )
    version = _version_field()
    created_at = serializers.DateTimeField(read_only=True)


class TeamCreateSerializer(TeamSerializer):
    product = _id_field(help_text="Product id (editor).")


TeamFilter = _filterset(Team)


class TeamShape(ShapedMixin):
    """A team of the product: it owns roadmap items; `capacity_points` is what it completes in a
    typical sprint."""

    model = Team
    fields = ("id", "product", "name", "capacity_points", "version", "created_at")
    has_page = False
    serializer_class = TeamSerializer


@_collection_schema("teams", TeamSerializer, TeamCreateSerializer, plural="teams", noun="a team")
@extend_schema(tags=["teams"])
class TeamListView(TeamShape, ProductListView):
    create_serializer_class = TeamCreateSerializer
    filterset_class = TeamFilter
    detail_url_name = "api:team-detail"

    def create(self, product, data, by):
        return services.team_create(by=by, product=product, **data)


@_object_schema("teams", TeamSerializer, noun="a team")
@extend_schema(tags=["teams"])
class TeamDetailView(TeamShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.team_update(team=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.team_delete(team=instance, by=by, expected_version=expected)


# --- Vision -----------------------------------------------------------------------------------


class VisionSerializer(serializers.Serializer):
    product = serializers.IntegerField(read_only=True)
    statement = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    target_users = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    horizon_1y = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    horizon_3y = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    horizon_5y = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


@extend_schema_view(
    get=extend_schema(
        summary="A product's vision (created empty on first read)",
        operation_id="vision_retrieve",
        responses={200: VisionSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Replace a product's vision (editor)",
        operation_id="vision_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(VisionSerializer),
    ),
    patch=extend_schema(
        summary="Change some of a product's vision (editor)",
        operation_id="vision_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(VisionSerializer),
    ),
)
@extend_schema(tags=["vision"])
class VisionView(ObjectDetailView):
    """A product's vision: statement, target users and 1/3/5-year horizons (one per product,
    created empty on first read). Editors change it with the version they read."""

    http_method_names = ["get", "put", "patch", "head", "options"]  # one per product, always
    serializer_class = VisionSerializer
    model = Vision
    fields = (
        "id",
        "product",
        "statement",
        "target_users",
        "horizon_1y",
        "horizon_3y",
        "horizon_5y",
        "version",
        "updated_at",
    )

    def instance(self, role: Role) -> Vision:
        # The URL names the product: a vision is the product's, with no id of its own here.
        product = product_for(
            self.request.user, self.kwargs["pk"], role, token=token_of(self.request)
        )
        return services.vision_of(product)

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            del row["id"]
        return rows

    def write(self, instance, fields, by, expected):
        services.vision_update(vision=instance, by=by, expected_version=expected, **fields)


# --- Objectives and key results ----------------------------------------------------------------


class KeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the objective's).")
    objective = serializers.IntegerField(read_only=True, help_text="Objective id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    current = serializers.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    unit = serializers.CharField(max_length=20, allow_blank=True, required=False)
    position = serializers.IntegerField(read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text="Percent of the target, 0–100.")
    version = _version_field()

    def validate_target(self, value):
        if value == 0:
            raise serializers.ValidationError("A target of zero cannot measure progress.")
        return value


class KeyResultCreateSerializer(KeyResultSerializer):
    objective = _id_field(help_text="Objective id (editor of its product).")


class ObjectiveKeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    current = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField()
    position = serializers.IntegerField()
    progress = serializers.IntegerField()
    version = serializers.IntegerField()


class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(allow_blank=True, max_length=10_000, required=False)
    position = serializers.IntegerField(read_only=True)
    key_results = ObjectiveKeyResultSerializer(
        many=True, read_only=True, help_text="Change them through key-results."
    )
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ObjectiveCreateSerializer(ObjectiveSerializer):
    product = _id_field(help_text="Product id (editor).")


def _key_result_row(row: dict) -> dict:
    row["progress"] = KeyResult(target=row["target"], current=row["current"]).progress
    row["target"] = _DECIMAL.to_representation(row["target"])
    row["current"] = _DECIMAL.to_representation(row["current"])
    return row


class ObjectiveShape(ShapedMixin):
    """An objective of the product's vision, with its measurable key results."""

    model = Objective
    fields = ("id", "product", "title", "description", "position", "version", "created_at")
    serializer_class = ObjectiveSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        by_objective = {row["id"]: row for row in rows}
        for row in rows:
            row["key_results"] = []
        key_results = KeyResult.objects.filter(objective_id__in=list(by_objective)).order_by(
            "position", "id"
        )
        for key_result in key_results.values(
            "id", "objective_id", "title", "target", "current", "unit", "position", "version"
        ):
            owner = by_objective[key_result.pop("objective_id")]
            owner["key_results"].append(_key_result_row(key_result))
        return rows


ObjectiveFilter = _filterset(Objective)


@_collection_schema(
    "objectives",
    ObjectiveSerializer,
    ObjectiveCreateSerializer,
    plural="objectives with their key results",
    noun="an objective",
)
@extend_schema(tags=["objectives"])
class ObjectiveListView(ObjectiveShape, ProductListView):
    create_serializer_class = ObjectiveCreateSerializer
    filterset_class = ObjectiveFilter
    detail_url_name = "api:objective-detail"

    def create(self, product, data, by):
        return services.objective_create(by=by, product=product, **data)


@_object_schema("objectives", ObjectiveSerializer, noun="an objective")
@extend_schema(tags=["objectives"])
class ObjectiveDetailView(ObjectiveShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.objective_update(objective=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.objective_delete(objective=instance, by=by, expected_version=expected)


class KeyResultShape(ShapedMixin):
    """A measurable result of an objective: progress is `current` against `target`."""

    model = KeyResult
    product_path = "objective__product"
    fields = ("id", "objective", "title", "target", "current", "unit", "position", "version")
    has_page = False
    serializer_class = KeyResultSerializer

    def finish(self, rows):
        return [_key_result_row(row) for row in rows]


KeyResultFilter = _filterset(
    KeyResult,
    "objective__product",
    objective=IdFilter(field_name="objective_id", help_text="Objective id."),
)


@_collection_schema(
    "key_results",
    KeyResultSerializer,
    KeyResultCreateSerializer,
    plural="key results",
    noun="a key result of an objective",
)
@extend_schema(tags=["objectives"])
class KeyResultListView(KeyResultShape, ProductListView):
    create_serializer_class = KeyResultCreateSerializer
    filterset_class = KeyResultFilter
    detail_url_name = "api:key-result-detail"

    def post(self, request):
        objective = object_for(
            request.user,
            Objective.objects.all(),
            _required_id(request, "objective"),
            self.create_role,
            token=token_of(request),
        )
        fields = self.validated(request, objective.product)
        fields.pop("objective")
        key_result = services.key_result_create(
            by=Actor.api(request), objective=objective, **fields
        )
        return self.created(key_result)


@_object_schema("key_results", KeyResultSerializer, noun="a key result")
@extend_schema(tags=["objectives"])
class KeyResultDetailView(KeyResultShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.key_result_update(key_result=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.key_result_delete(key_result=instance, by=by, expected_version=expected)


# --- Roadmap items -------------------------------------------------------------------------------


class LateBlockerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The blocking item.")
    title = serializers.CharField()
    end_date = serializers.DateField()
    days = serializers.IntegerField(help_text="Days it ends after this item starts.")


class RoadmapItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    summary = serializers.CharField(allow_blank=True, max_length=20_000, required=False)
    status = serializers.ChoiceField(choices=Status.choices, default=Status.PLANNED)
    lane = serializers.ChoiceField(choices=Lane.choices, default=Lane.NEXT)
    lane_rank = serializers.FloatField(
        read_only=True, help_text="Order within the lane; change it with the move action."
    )
    start_date = serializers.DateField(allow_null=True, required=False)
    end_date = serializers.DateField(allow_null=True, required=False)
    confidence = serializers.IntegerField(
        min_value=0, max_value=100, default=50, help_text="How sure the dates are, in percent."
    )
    team = RowOfProduct(model=Team, noun="team", allow_null=True, required=False)
    theme = serializers.CharField(max_length=80, allow_blank=True, required=False)
    objectives = RowsOfProduct(
        model=Objective, noun="objective", required=False, help_text="Objective ids."
    )
    feature_key = serializers.SlugField(max_length=80, allow_blank=True, required=False)
    insight_count = serializers.IntegerField(read_only=True, help_text="Customer evidence.")
    late_blockers = LateBlockerSerializer(
        many=True, read_only=True, help_text="Blockers that end after this item starts."
    )
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError(
                {"end_date": "The end date is before the start date."}
            )
        return attrs


class RoadmapItemCreateSerializer(RoadmapItemSerializer):
    product = _id_field(help_text="Product id (editor).")


def _item_links(ids: list[int]) -> tuple[dict, dict, list[tuple[int, int, datetime.date, str]]]:
    """For the items ``ids``: objective ids per item, insight ids per item, and
    ``(blocker id, blocked id, blocker end, blocker title)`` for blockers with an end date
    (the shape ``roadmaps.queries.late_blockers`` takes),
    earliest end first. One query (a UNION of the three lookups: each round trip to the
    database costs more than the rows), in plain SQL for the reason given in ``_link_ids``."""
    objectives: dict[int, list[int]] = {pk: [] for pk in ids}
    evidence: dict[int, list[int]] = {pk: [] for pk in ids}
    blockers: list[tuple[int, int, datetime.date, str]] = []
    if not ids:
        return objectives, evidence, blockers
    quote = connection.ops.quote_name
    dependencies, items = quote(Dependency._meta.db_table), quote(RoadmapItem._meta.db_table)
    objective_links, insight_links = RoadmapItem.objectives.through, Insight.items.through

    def column(through, field: str) -> str:
        return quote(through._meta.get_field(field).column)

    item_objectives = quote(objective_links._meta.db_table)
    insight_items = quote(insight_links._meta.db_table)
    objective_item = column(objective_links, "roadmapitem")
    objective = column(objective_links, "objective")
    insight_item, insight = column(insight_links, "roadmapitem"), column(insight_links, "insight")
    blocked, params = _one_of("d.blocked_id", ids)
    objective_of, _ = _one_of(objective_item, ids)
    evidence_of, _ = _one_of(insight_item, ids)
    with connection.cursor() as cursor:
        cursor.execute(
            # Kinds: 1 objective, 2 insight, 3 blocker. The blockers come first: PostgreSQL
            # types a UNION's columns from its first branch, and NULL alone has no type.
            f"SELECT 3, d.blocked_id, d.blocker_id, b.title, b.end_date "  # noqa: S608 - names from the models
            # CROSS JOIN: SQLite then reads the page's dependencies first and looks each
            # blocker up, where with statistics it chose to scan every item (ten times slower);
            # PostgreSQL plans it as the inner join it is.
            f"FROM {dependencies} d CROSS JOIN {items} b "
            f"WHERE b.id = d.blocker_id AND {blocked} AND b.end_date IS NOT NULL "
            f"UNION ALL SELECT 1, {objective_item}, {objective}, NULL, NULL FROM {item_objectives} "
            f"WHERE {objective_of} "
            f"UNION ALL SELECT 2, {insight_item}, {insight}, NULL, NULL FROM {insight_items} "
            f"WHERE {evidence_of}",
            params * 3,
        )
        rows = cursor.fetchall()
    for kind, item_id, other_id, title, end in rows:
        if kind == 1:
            objectives[item_id].append(other_id)
        elif kind == 2:
            evidence[item_id].append(other_id)
        else:
            # SQLite hands dates back as text here (no field to convert them).
            if not isinstance(end, datetime.date):
                end = datetime.date.fromisoformat(end)
            blockers.append((other_id, item_id, end, title))
    # Sorted here rather than by the database: an ORDER BY cost the query a third more.
    for linked in objectives.values():
        linked.sort()
    blockers.sort(key=lambda blocker: (blocker[2], blocker[0]))
    return objectives, evidence, blockers


class RoadmapItemShape(ShapedMixin):
    """A roadmap item: status, lane (now/next/later), dates, confidence, team, theme and
    objectives, with its evidence count and the blockers that end after it starts."""

    model = RoadmapItem
    fields = (
        "id",
        "product",
        "title",
        "summary",
        "status",
        "lane",
        "lane_rank",
        "start_date",
        "end_date",
        "confidence",
        "team",
        "theme",
        "feature_key",
        "version",
        "created_at",
        "updated_at",
    )
    serializer_class = RoadmapItemSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        ids = [row["id"] for row in rows]
        objectives, evidence, blockers = _item_links(ids)
        late = late_blockers({row["id"]: row["start_date"] for row in rows}, blockers)
        for row in rows:
            row["objectives"] = objectives[row["id"]]
            row["insight_count"] = len(evidence[row["id"]])
            row["late_blockers"] = [
                {
                    "id": blocker.blocker_id,
                    "title": blocker.title,
                    "end_date": blocker.end_date,
                    "days": blocker.days,
                }
                for blocker in late.get(row["id"], [])
            ]
        return rows


class RoadmapItemApiFilter(RoadmapItemFilter):
    product = _product_filter()

    class Meta(RoadmapItemFilter.Meta):
        fields = ["product", *RoadmapItemFilter.Meta.fields]


@_collection_schema(
    "roadmap_items",
    RoadmapItemSerializer,
    RoadmapItemCreateSerializer,
    plural="roadmap items (in creation order)",
    noun="a roadmap item at the end of its lane",
)
@extend_schema(tags=["roadmap-items"])
class RoadmapItemListView(RoadmapItemShape, ProductListView):
    create_serializer_class = RoadmapItemCreateSerializer
    filterset_class = RoadmapItemApiFilter
    detail_url_name = "api:roadmap-item-detail"

    def create(self, product, data, by):
        return services.item_create(by=by, product=product, **data)


@_object_schema("roadmap_items", RoadmapItemSerializer, noun="a roadmap item")
@extend_schema(tags=["roadmap-items"])
class RoadmapItemDetailView(RoadmapItemShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.item_update(item=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.item_delete(item=instance, by=by, expected_version=expected)


class MoveSerializer(serializers.Serializer):
    lane = serializers.ChoiceField(choices=Lane.choices)
    after = RowOfProduct(
        model=RoadmapItem,
        noun="roadmap item",
        allow_null=True,
        default=None,
        help_text="The item to drop after, in that lane; null for the top.",
    )
    version = _version_field()


@extend_schema_view(
    post=extend_schema(
        summary="Move an item to a lane, after another item (editor)",
        operation_id="roadmap_items_move",
        request=MoveSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(RoadmapItemSerializer),
    )
)
@extend_schema(tags=["roadmap-items"])
class RoadmapItemMoveView(RoadmapItemShape, ProductObjectView):
    def post(self, request, pk):
        return self.change(request, MoveSerializer, self.move)

    def move(self, item, fields, by, expected):
        services.item_move(item=item, by=by, expected_version=expected, **fields)


# --- Dependencies --------------------------------------------------------------------------------


class DependencySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    blocker = serializers.IntegerField(read_only=True, help_text="The item that must finish first.")
    blocked = serializers.IntegerField(read_only=True, help_text="The item that waits for it.")
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class DependencyCreateSerializer(serializers.Serializer):
    product = _id_field(help_text="Product id (editor).")
    blocker = RowOfProduct(model=RoadmapItem, noun="roadmap item")
    blocked = RowOfProduct(model=RoadmapItem, noun="roadmap item")


class DependencyShape(ShapedMixin):
    """`blocker` must finish before `blocked` can start; links within one product only, and never
    in a cycle."""

    model = Dependency
    fields = ("id", "product", "blocker", "blocked", "version", "created_at")
    has_page = False
    serializer_class = DependencySerializer


DependencyFilter = _filterset(
    Dependency,
    blocker=IdFilter(field_name="blocker_id", help_text="Blocking item id."),
    blocked=IdFilter(field_name="blocked_id", help_text="Blocked item id."),
)


@_collection_schema(
    "dependencies",
    DependencySerializer,
    DependencyCreateSerializer,
    plural="dependencies",
    noun="a dependency (refused if it closes a cycle)",
)
@extend_schema(tags=["dependencies"])
class DependencyListView(DependencyShape, ProductListView):
    create_serializer_class = DependencyCreateSerializer
    filterset_class = DependencyFilter
    detail_url_name = "api:dependency-detail"

    def create(self, product, data, by):
        return services.dependency_create(by=by, product=product, **data)


@_object_schema("dependencies", DependencySerializer, noun="a dependency", update=False)
@extend_schema(tags=["dependencies"])
class DependencyDetailView(DependencyShape, ObjectDetailView):
    http_method_names = ["get", "delete", "head", "options"]  # a dependency is never edited

    def remove(self, instance, by, expected):
        services.dependency_delete(dependency=instance, by=by, expected_version=expected)


# --- Releases, the readiness gate, checklists -------------------------------------------------


class ReleaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    name = serializers.CharField(max_length=120)
    date = serializers.DateField()
    description = serializers.CharField(allow_blank=True, max_length=20_000, required=False)
    status = serializers.ChoiceField(
        choices=ReleaseStatus.choices, read_only=True, help_text="Changed by the ship action."
    )
    items = RowsOfProduct(
        model=RoadmapItem, noun="roadmap item", required=False, help_text="Roadmap item ids."
    )
    shipped_at = serializers.DateTimeField(read_only=True, allow_null=True)
    override_reason = serializers.CharField(read_only=True)
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ReleaseCreateSerializer(ReleaseSerializer):
    product = _id_field(help_text="Product id (editor).")


class ReleaseShape(ShapedMixin):
    """A release: its date, its items and its readiness checklist; it ships through the readiness
    gate."""

    model = Release
    fields = (
        "id",
        "product",
        "name",
        "date",
        "description",
        "status",
        "shipped_at",
        "override_reason",
        "version",
        "created_at",
    )
    links = ("items",)
    serializer_class = ReleaseSerializer


ReleaseFilter = _filterset(
    Release, status=django_filters.ChoiceFilter(choices=ReleaseStatus.choices)
)


@_collection_schema(
    "releases",
    ReleaseSerializer,
    ReleaseCreateSerializer,
    plural="releases",
    noun="a planned release with its open checklist",
)
@extend_schema(tags=["releases"])
class ReleaseListView(ReleaseShape, ProductListView):
    create_serializer_class = ReleaseCreateSerializer
    filterset_class = ReleaseFilter
    detail_url_name = "api:release-detail"

    def create(self, product, data, by):
        return services.release_create(by=by, product=product, **data)


@_object_schema("releases", ReleaseSerializer, noun="a release")
@extend_schema(tags=["releases"])
class ReleaseDetailView(ReleaseShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.release_update(release=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.release_delete(release=instance, by=by, expected_version=expected)


class ReadinessProblemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["blocker", "checklist", "risk"])
    message = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    problems = ReadinessProblemSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        summary="Why a release cannot ship yet (empty when it can)",
        operation_id="releases_readiness",
        responses={200: ReadinessSerializer, **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["releases"])
class ReleaseReadinessView(ReleaseShape, ProductObjectView):
    def get(self, request, pk):
        release = self.instance(Role.VIEWER)
        problems = services.release_readiness(release)
        data = {
            "ready": not problems,
            "problems": [{"kind": p.kind, "message": p.message} for p in problems],
        }
        return Response(data)


class ShipSerializer(serializers.Serializer):
    version = _version_field()
    override_reason = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        default="",
        help_text="Only an admin may ship a release that is not ready, and only with a reason.",
    )


@extend_schema_view(
    post=extend_schema(
        summary="Ship a release through the readiness gate (editor; override: admin)",
        operation_id="releases_ship",
        request=ShipSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ReleaseSerializer),
    )
)
@extend_schema(tags=["releases"])
class ReleaseShipView(ReleaseShape, ProductObjectView):
    def post(self, request, pk):
        return self.change(request, ShipSerializer, self.ship)

    def ship(self, release, fields, by, expected):
        services.release_ship(
            release=release,
            by=by,
            expected_version=expected,
            may_override=release.product.role == Role.ADMIN,
            **fields,
        )


class ChecklistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id (the release's).")
    release = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ChecklistKind.choices, read_only=True)
    owner = MemberOfProduct(allow_null=True, required=False, help_text="User id of a member.")
    done = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)
    version = _version_field()


class ChecklistEntryShape(ShapedMixin):
    """One line of a release's readiness checklist (docs, API reference, enablement, messaging),
    with its owner and done flag."""

    model = ChecklistEntry
    product_path = "release__product"
    fields = ("id", "release", "kind", "owner", "done", "note", "version")
    has_page = False
    serializer_class = ChecklistEntrySerializer


ChecklistEntryFilter = _filterset(
    ChecklistEntry,
    "release__product",
    release=IdFilter(field_name="release_id", help_text="Release id."),
)


@extend_schema_view(
    get=extend_schema(
        summary="List releases' checklist entries",
        operation_id="checklist_entries_list",
        responses={200: ChecklistEntrySerializer(many=True), **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["releases"])
class ChecklistEntryListView(ChecklistEntryShape, ProductListView):
    # Every release gets its four entries when it is created; none are added or removed.
    http_method_names = ["get", "head", "options"]
    filterset_class = ChecklistEntryFilter


@extend_schema_view(
    get=extend_schema(
        summary="A checklist entry",
        operation_id="checklist_entries_retrieve",
        responses={200: ChecklistEntrySerializer, 304: None, **ERROR_RESPONSES},
    ),
    patch=extend_schema(
        summary="Change a checklist entry's owner, done flag or note (editor)",
        operation_id="checklist_entries_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ChecklistEntrySerializer),
    ),
)
@extend_schema(tags=["releases"])
class ChecklistEntryDetailView(ChecklistEntryShape, ObjectDetailView):
    http_method_names = ["get", "patch", "head", "options"]  # kind and release are fixed

    def write(self, instance, fields, by, expected):
        services.checklist_entry_update(entry=instance, by=by, expected_version=expected, **fields)


# --- Risks and insights ------------------------------------------------------------------------


class RiskSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(allow_blank=True, max_length=20_000, required=False)
    likelihood = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (rare) to 5.")
    impact = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (minor) to 5.")
    score = serializers.IntegerField(read_only=True, help_text="Likelihood × impact.")
    severity = serializers.ChoiceField(choices=Severity.choices, read_only=True)
    owner = MemberOfProduct(allow_null=True, required=False, help_text="User id of a member.")
    mitigation = serializers.CharField(allow_blank=True, max_length=20_000, required=False)
    status = serializers.ChoiceField(choices=RiskStatus.choices, default=RiskStatus.OPEN)
    items = RowsOfProduct(
        model=RoadmapItem, noun="roadmap item", required=False, help_text="Roadmap item ids."
    )
    releases = RowsOfProduct(
        model=Release, noun="release", required=False, help_text="Release ids."
    )
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class RiskCreateSerializer(RiskSerializer):
    product = _id_field(help_text="Product id (editor).")


class RiskShape(ShapedMixin):
    """A risk in the register: likelihood × impact (each 1–5), owner, mitigation and the items and
    releases it threatens."""

    model = Risk
    fields = (
        "id",
        "product",
        "title",
        "description",
        "likelihood",
        "impact",
        "owner",
        "mitigation",
        "status",
        "version",
        "created_at",
        "updated_at",
    )
    links = ("items", "releases")
    serializer_class = RiskSerializer

    def finish(self, rows):
        rows = super().finish(rows)
        for row in rows:
            risk = Risk(likelihood=row["likelihood"], impact=row["impact"])
            row["score"], row["severity"] = risk.score, risk.severity.value
        return rows


RiskFilter = _filterset(Risk, status=django_filters.ChoiceFilter(choices=RiskStatus.choices))


@_collection_schema("risks", RiskSerializer, RiskCreateSerializer, plural="risks", noun="a risk")
@extend_schema(tags=["risks"])
class RiskListView(RiskShape, ProductListView):
    create_serializer_class = RiskCreateSerializer
    filterset_class = RiskFilter
    detail_url_name = "api:risk-detail"

    def create(self, product, data, by):
        return services.risk_create(by=by, product=product, **data)


@_object_schema("risks", RiskSerializer, noun="a risk")
@extend_schema(tags=["risks"])
class RiskDetailView(RiskShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.risk_update(risk=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.risk_delete(risk=instance, by=by, expected_version=expected)


class InsightSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    account = serializers.CharField(max_length=120)
    source = serializers.ChoiceField(choices=InsightSource.choices, default=InsightSource.INTERVIEW)
    quote = serializers.CharField(max_length=20_000)
    importance = serializers.ChoiceField(choices=Importance.choices, default=Importance.IMPORTANT)
    captured_on = serializers.DateField(default=datetime.date.today)
    items = RowsOfProduct(
        model=RoadmapItem, noun="roadmap item", required=False, help_text="Roadmap item ids."
    )
    version = _version_field()
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class InsightCreateSerializer(InsightSerializer):
    product = _id_field(help_text="Product id (editor).")


class InsightShape(ShapedMixin):
    """Customer evidence: what an account said, where, and which items it supports."""

    model = Insight
    fields = (
        "id",
        "product",
        "account",
        "source",
        "quote",
        "importance",
        "captured_on",
        "version",
        "created_at",
    )
    links = ("items",)
    serializer_class = InsightSerializer


InsightFilter = _filterset(
    Insight,
    source=django_filters.ChoiceFilter(choices=InsightSource.choices),
    item=IdFilter(field_name="items", help_text="Roadmap item id."),
)


@_collection_schema(
    "insights", InsightSerializer, InsightCreateSerializer, plural="insights", noun="an insight"
)
@extend_schema(tags=["insights"])
class InsightListView(InsightShape, ProductListView):
    create_serializer_class = InsightCreateSerializer
    filterset_class = InsightFilter
    detail_url_name = "api:insight-detail"

    def create(self, product, data, by):
        return services.insight_create(by=by, product=product, **data)


@_object_schema("insights", InsightSerializer, noun="an insight")
@extend_schema(tags=["insights"])
class InsightDetailView(InsightShape, ObjectDetailView):
    def write(self, instance, fields, by, expected):
        services.insight_update(insight=instance, by=by, expected_version=expected, **fields)

    def remove(self, instance, by, expected):
        services.insight_delete(insight=instance, by=by, expected_version=expected)


# --- Snapshots ----------------------------------------------------------------------------------


class JsonArrayLength(models.Func):
    """The length of a JSON array column, counted by the database (the rows stay unread)."""

    function = "json_array_length"
    output_field = models.IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="jsonb_array_length", **extra)


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    name = serializers.CharField(max_length=120)
    item_count = serializers.IntegerField(read_only=True)
    created_by = serializers.IntegerField(read_only=True, allow_null=True, help_text="User id.")
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SnapshotCreateSerializer(SnapshotSerializer):
    product = _id_field(help_text="Product id (editor).")


class SnapshotShape(ShapedMixin):
    """A frozen baseline of the roadmap, never edited; compare it with today."""

    model = RoadmapSnapshot
    fields = ("id", "product", "name", "created_by", "created_at")
    serializer_class = SnapshotSerializer

    def rows(self, queryset):
        return queryset.values(*self.fields, item_count=JsonArrayLength("items"))


SnapshotFilter = _filterset(RoadmapSnapshot)


@_collection_schema(
    "snapshots",
    SnapshotSerializer,
    SnapshotCreateSerializer,
    plural="snapshots (newest last)",
    noun="a snapshot: the roadmap frozen as a named baseline",
)
@extend_schema(tags=["snapshots"])
class SnapshotListView(SnapshotShape, ProductListView):
    create_serializer_class = SnapshotCreateSerializer
    filterset_class = SnapshotFilter
    detail_url_name = "api:snapshot-detail"

    def create(self, product, data, by):
        return services.snapshot_create(by=by, product=product, **data)


@extend_schema_view(
    get=extend_schema(
        summary="A snapshot",
        operation_id="snapshots_retrieve",
        responses={200: SnapshotSerializer, **ERROR_RESPONSES},
    ),
    delete=extend_schema(
        summary="Delete a snapshot (admin; snapshots are never edited)",
        operation_id="snapshots_destroy",
        responses={204: None, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["snapshots"])
class SnapshotDetailView(SnapshotShape, ProductObjectView):
    def get(self, request, pk):
        return Response(self.shape(self.instance(Role.VIEWER)))

    def delete(self, request, pk):
        snapshot = self.instance(Role.ADMIN)
        services.snapshot_delete(snapshot=snapshot, by=Actor.api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SnapshotRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    lane = serializers.ChoiceField(choices=Lane.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    team = serializers.CharField(allow_null=True, help_text="Team name.")


class ItemChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Roadmap item id.")
    title = serializers.CharField()
    days = serializers.IntegerField(help_text="Days slipped or pulled in (else 0).")
    before = SnapshotRowSerializer(allow_null=True, help_text="As in the snapshot.")
    after = SnapshotRowSerializer(allow_null=True, help_text="As it is now.")


class ComparisonSerializer(serializers.Serializer):
    snapshot = serializers.IntegerField()
    added = ItemChangeSerializer(many=True)
    removed = ItemChangeSerializer(many=True)
    slipped = ItemChangeSerializer(many=True)
    pulled_in = ItemChangeSerializer(many=True)
    moved_lane = ItemChangeSerializer(many=True)
    changed_status = ItemChangeSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        summary="Today's roadmap against a snapshot",
        operation_id="snapshots_compare",
        responses={200: ComparisonSerializer, **ERROR_RESPONSES},
    )
)
@extend_schema(tags=["snapshots"])
class SnapshotCompareView(SnapshotShape, ProductObjectView):
    def get(self, request, pk):
        comparison = snapshot_compare_now(self.instance(Role.VIEWER))

        def changes(name: str) -> list[dict]:
            return [
                {
                    "id": change.id,
                    "title": change.title,
                    "days": change.days,
                    "before": change.before,
                    "after": change.after,
                }
                for change in getattr(comparison, name)
            ]

        names = ("added", "removed", "slipped", "pulled_in", "moved_lane", "changed_status")
        return Response({"snapshot": comparison.snapshot.pk, **{n: changes(n) for n in names}})


# --- Share links ----------------------------------------------------------------------------------


class ShareLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(read_only=True, help_text="Product id.")
    name = serializers.CharField(max_length=120)
    view = serializers.ChoiceField(choices=RoadmapView.choices)
    filters = FlatDictField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Roadmap filters the page is limited to: team, theme, status, lane, "
        "objective, release.",
    )
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    display_prefix = serializers.CharField(read_only=True, help_text="The token's first letters.")
    created_by = serializers.IntegerField(read_only=True, allow_null=True, help_text="User id.")
    last_viewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True)
    html_url = serializers.URLField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ShareLinkCreateSerializer(ShareLinkSerializer):
    product = _id_field(help_text="Product id (admin).")

    def validate_filters(self, filters: dict) -> dict:
        unknown = sorted(set(filters) - set(services.SHARE_FILTER_KEYS))
        if unknown:
            raise serializers.ValidationError(f"Unknown filter: {', '.join(unknown)}.")
        form = RoadmapItemApiFilter(filters, queryset=RoadmapItem.objects.none()).form
        if not form.is_valid():
            raise serializers.ValidationError(
                [f"{name}: {message}" for name, errors in form.errors.items() for message in errors]
            )
        product = self.context["product"]
        linked = {"team": Team, "objective": Objective, "release": Release}
        for key, model in linked.items():
            if form.cleaned_data.get(key) is not None:
                pk = int(form.cleaned_data[key])
                if not model.objects.filter(product=product, pk=pk).exists():
                    raise serializers.ValidationError(f"This product has no {key} with id {pk}.")
        return filters


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    token = serializers.CharField(help_text="The secret token: shown this once, never again.")
    url = serializers.URLField(help_text="The public page (no login).")


class ShareLinkShape(ShapedMixin):
    """A public, read-only page of one roadmap view (admins only); the token is shown once, at
    creation."""

    model = ShareLink
    fields = (
        "id",
        "product",
        "name",
        "view",
        "filters",
        "expires_at",
        "revoked_at",
        "display_prefix",
        "created_by",
        "last_viewed_at",
        "version",
        "created_at",
    )
    serializer_class = ShareLinkSerializer


ShareLinkFilter = _filterset(ShareLink)


@extend_schema_view(
    get=extend_schema(
        summary="List share links (admin)",
        operation_id="share_links_list",
        responses={200: ShareLinkSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        summary="Create a share link; the answer holds its token, shown only this once (admin)",
        operation_id="share_links_create",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkCreatedSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["share-links"])
class ShareLinkListView(ShareLinkShape, ProductListView):
    list_role = Role.ADMIN
    create_role = Role.ADMIN
    create_serializer_class = ShareLinkCreateSerializer
    filterset_class = ShareLinkFilter
    detail_url_name = "api:share-link-detail"

    def post(self, request):
        product = self.product_of_body(request, self.create_role)
        data = self.validated(request, product)
        link, token = services.share_link_create(by=Actor.api(request), product=product, **data)
        response = self.created(link)
        response.data["token"] = token
        response.data["url"] = request.build_absolute_uri(reverse("roadmaps:shared", args=[token]))
        return response


@extend_schema_view(
    get=extend_schema(
        summary="A share link, without its token (admin)",
        operation_id="share_links_retrieve",
        responses={200: ShareLinkSerializer, 304: None, **ERROR_RESPONSES},
    ),
    delete=extend_schema(
        summary="Revoke a share link: its page answers 404 from now on (admin)",
        operation_id="share_links_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(ShareLinkSerializer),
    ),
)
@extend_schema(tags=["share-links"])
class ShareLinkDetailView(ShareLinkShape, ObjectDetailView):
    http_method_names = ["get", "delete", "head", "options"]  # a link is revoked, not edited
    read_role = Role.ADMIN
    delete_role = Role.ADMIN

    def remove(self, instance, by, expected):
        services.share_link_revoke(link=instance, by=by, expected_version=expected)
