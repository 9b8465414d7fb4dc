"""API of products, members and the caller: serializers validate and shape, services write."""

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response

from lodestar.api import (
    ERROR_RESPONSES,
    IF_MATCH,
    VersionedObjectMixin,
    versioned_delete_responses,
    versioned_write_responses,
)

from .activity import Actor
from .models import ApiToken, Membership, Product, Role
from .permissions import membership_for, product_for, products_visible_to
from .services import (
    membership_add,
    membership_change_role,
    membership_remove,
    product_create,
    product_delete,
    product_update,
)


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def product_etag(product: Product) -> str:
    """A product's body shows the caller's role, so its ETag carries the role too."""
    return f'"{product.version}-{product.role}"'


class TokenScopePermission(permissions.BasePermission):
    """A read-scoped token may only read, whatever its user's role."""

    message = "This API token is read-only; create a write token to make changes."

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        return token is None or request.method in permissions.SAFE_METHODS or token.can_write


API_PERMISSIONS = [permissions.IsAuthenticated, TokenScopePermission]


class ProductScopedMixin:
    """For API views under one product: the product, checked for the caller and their token."""

    product_url_kwarg = "product_id"

    def product(self, minimum_role: Role) -> Product:
        return product_for(
            self.request.user,
            self.kwargs[self.product_url_kwarg],
            minimum_role,
            token=token_of(self.request),
        )


# --- Serializers ----------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Send back on writes unless you send If-Match."
    )
    role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, help_text="Your role in this product."
    )
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "role",
            "version",
            "html_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_html_url(self, product: Product) -> str:
        return self.context["request"].build_absolute_uri(product.get_absolute_url())

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A product needs a name.")
        return value


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class MemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "version", "created_at"]
        read_only_fields = ["id", "created_at"]


class MemberCreateSerializer(serializers.Serializer):
    user = serializers.CharField(
        max_length=254, help_text="Username or e-mail of an existing user."
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class MembershipSummarySerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField(source="product.name")
    role = serializers.ChoiceField(choices=Role.choices)
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, membership: Membership) -> str:
        return self.context["request"].build_absolute_uri(membership.product.get_absolute_url())


class TokenSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    scope = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    token = TokenSummarySerializer(allow_null=True, help_text="The token of this request, if any.")
    memberships = MembershipSummarySerializer(many=True)


# --- Views ----------------------------------------------------------------------------------


class ProductFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")
    role = django_filters.ChoiceFilter(choices=Role.choices, help_text="Your role.")

    class Meta:
        model = Product
        fields = ["name", "role"]


@extend_schema_view(
    get=extend_schema(
        summary="List your products",
        operation_id="products_list",
        responses={
            200: ProductSerializer(many=True),
            400: ERROR_RESPONSES[400],
            401: ERROR_RESPONSES[401],
        },
    ),
    post=extend_schema(
        operation_id="products_create",
        summary="Create a product (you become its admin)",
        responses={201: ProductSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["products"])
class ProductListView(generics.ListAPIView):
    """The products you are a member of, with your role in each."""

    serializer_class = ProductSerializer
    permission_classes = API_PERMISSIONS
    filterset_class = ProductFilter

    def get_queryset(self):
        return products_visible_to(self.request.user, token=token_of(self.request))

    def post(self, request):
        token = token_of(request)
        if token is not None and token.product_id is not None:
            raise exceptions.PermissionDenied("This token is limited to one product.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(
            by=Actor.api(request),
            name=serializer.validated_data["name"],
            description=serializer.validated_data.get("description", ""),
        )
        product.role = Role.ADMIN
        response = Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)
        response["ETag"] = product_etag(product)
        response["Location"] = reverse("api:product-detail", args=[product.pk])
        return response


@extend_schema_view(
    get=extend_schema(
        summary="A product",
        operation_id="products_retrieve",
        responses={200: ProductSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Replace a product's fields (editor)",
        operation_id="products_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ProductSerializer),
    ),
    patch=extend_schema(
        summary="Change some of a product's fields (editor)",
        operation_id="products_partial_update",
        parameters=[IF_MATCH],
        responses=versioned_write_responses(ProductSerializer),
    ),
    delete=extend_schema(
        summary="Delete a product and everything in it (admin)",
        operation_id="products_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(ProductSerializer),
    ),
)
@extend_schema(tags=["products"])
class ProductDetailView(ProductScopedMixin, VersionedObjectMixin, generics.GenericAPIView):
    """One product; changes need the version you read (If-Match or `version`)."""

    serializer_class = ProductSerializer
    permission_classes = API_PERMISSIONS
    queryset = Product.objects.none()

    product_url_kwarg = "pk"

    def etag(self, product: Product) -> str:
        return product_etag(product)

    def get(self, request, pk):
        product = self.product(Role.VIEWER)
        return self.not_modified(request, product) or self.object_response(product)

    def put(self, request, pk):
        return self._update(request, partial=False)

    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        product = self.product(Role.EDITOR)
        serializer = self.get_serializer(product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = {
            key: value for key, value in serializer.validated_data.items() if key != "version"
        }
        with self.versioned_write(request, product) as expected:
            product_update(
                product=product, by=Actor.api(request), expected_version=expected, **fields
            )
        return self.object_response(product)

    def delete(self, request, pk):
        product = self.product(Role.ADMIN)
        with self.versioned_write(request, product) as expected:
            product_delete(product=product, by=Actor.api(request), expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="List a product's members",
        operation_id="members_list",
        responses={200: MemberSerializer(many=True), **ERROR_RESPONSES},
    ),
    post=extend_schema(
        operation_id="members_create",
        summary="Add a member by username or e-mail (admin)",
        request=MemberCreateSerializer,
        responses={201: MemberSerializer, **ERROR_RESPONSES},
    ),
)
@extend_schema(tags=["members"])
class MemberListView(ProductScopedMixin, generics.ListAPIView):
    """The people of a product and their roles; admins add people by username or e-mail."""

    serializer_class = MemberSerializer
    permission_classes = API_PERMISSIONS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no product
            return Membership.objects.none()
        product = self.product(Role.VIEWER)
        return Membership.objects.filter(product=product).select_related("user")

    def post(self, request, product_id):
        product = self.product(Role.ADMIN)
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_add(
            product=product,
            by=Actor.api(request),
            identifier=serializer.validated_data["user"],
            role=Role(serializer.validated_data["role"]),
        )
        response = Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)
        response["ETag"] = membership.etag
        response["Location"] = reverse("api:member-detail", args=[product.pk, membership.pk])
        return response


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    get=extend_schema(
        summary="A member",
        operation_id="members_retrieve",
        responses={200: MemberSerializer, 304: None, **ERROR_RESPONSES},
    ),
    put=extend_schema(
        summary="Change a member's role (admin)",
        operation_id="members_update",
        request=MemberRoleSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(MemberSerializer),
    ),
    patch=extend_schema(
        summary="Change a member's role (admin)",
        operation_id="members_partial_update",
        request=MemberRoleSerializer,
        parameters=[IF_MATCH],
        responses=versioned_write_responses(MemberSerializer),
    ),
    delete=extend_schema(
        summary="Remove a member (admin)",
        operation_id="members_destroy",
        parameters=[IF_MATCH],
        responses=versioned_delete_responses(MemberSerializer),
    ),
)
@extend_schema(tags=["members"])
class MemberDetailView(VersionedObjectMixin, generics.GenericAPIView):
    """One member of a product; admins change roles and remove members. A product always
    keeps at least one admin."""

    serializer_class = MemberSerializer
    permission_classes = API_PERMISSIONS
    queryset = Membership.objects.none()

    def membership(self, minimum_role: Role) -> Membership:
        return membership_for(
            self.request.user,
            self.kwargs["product_id"],
            self.kwargs["pk"],
            minimum_role,
            token=token_of(self.request),
        )

    def get(self, request, product_id, pk):
        membership = self.membership(Role.VIEWER)
        return self.not_modified(request, membership) or self.object_response(membership)

    def put(self, request, product_id, pk):
        return self._update(request)

    def patch(self, request, product_id, pk):
        return self._update(request)

    def _update(self, request):
        membership = self.membership(Role.ADMIN)
        serializer = MemberRoleSerializer(data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        with self.versioned_write(request, membership) as expected:
            membership_change_role(
                membership=membership,
                by=Actor.api(request),
                expected_version=expected,
                role=Role(serializer.validated_data.get("role", membership.role)),
            )
        return self.object_response(membership)

    def delete(self, request, product_id, pk):
        membership = self.membership(Role.ADMIN)
        with self.versioned_write(request, membership) as expected:
            membership_remove(
                membership=membership, by=Actor.api(request), expected_version=expected
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="Who you are, your products and this request's token",
        operation_id="me_retrieve",
        tags=["me"],
        responses={200: MeSerializer, 401: ERROR_RESPONSES[401]},
    )
)
class MeView(generics.GenericAPIView):
    """Who you are, your memberships and the token of this request."""

    serializer_class = MeSerializer
    permission_classes = API_PERMISSIONS

    def get(self, request):
        user = request.user
        token = token_of(request)
        memberships = Membership.objects.filter(user=user).select_related("product")
        if token is not None and token.product_id is not None:
            memberships = memberships.filter(product_id=token.product_id)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "email": user.email,
            "token": token,
            "memberships": memberships.order_by("product__name"),
        }
        return Response(self.get_serializer(data).data)
