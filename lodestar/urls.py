from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from products import api as products_api

from . import converters, errors  # noqa: F401 - converters registers "id"
from .security import csp_override

api_v1 = (
    [
        path("products/", products_api.ProductListView.as_view(), name="product-list"),
        path("products/<id:pk>/", products_api.ProductDetailView.as_view(), name="product-detail"),
        path(
            "products/<id:product_id>/members/",
            products_api.MemberListView.as_view(),
            name="member-list",
        ),
        path(
            "products/<id:product_id>/members/<id:pk>/",
            products_api.MemberDetailView.as_view(),
            name="member-detail",
        ),
        path("me/", products_api.MeView.as_view(), name="me"),
    ],
    "api",
)

# Swagger UI styles its widgets with inline style attributes; only this page allows them.
api_docs_view = csp_override(style_src="'self' 'unsafe-inline'")(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path("", include("products.urls")),
    path("", include("roadmaps.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs_view, name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
