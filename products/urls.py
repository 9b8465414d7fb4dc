from django.urls import path

import lodestar.converters  # noqa: F401 - registers the "id" path converter

from . import views

app_name = "products"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="list"),
    path("products/new/", views.product_create_view, name="create"),
    path("products/<id:product_id>/", views.product_detail, name="detail"),
    path("products/<id:product_id>/settings/", views.product_settings, name="settings"),
    path("products/<id:product_id>/delete/", views.product_delete_view, name="delete"),
    path("products/<id:product_id>/members/", views.member_list, name="members"),
    path(
        "products/<id:product_id>/members/<id:membership_id>/role/",
        views.member_role,
        name="member-role",
    ),
    path(
        "products/<id:product_id>/members/<id:membership_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("products/<id:product_id>/activity/", views.activity_list, name="activity"),
    path("settings/tokens/", views.token_list, name="tokens"),
    path("settings/tokens/<id:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
