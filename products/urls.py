from django.urls import path

from . import views

app_name = "products"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="list"),
    path("products/new/", views.product_create_view, name="create"),
    path("products/<int:product_id>/", views.product_detail, name="detail"),
    path("products/<int:product_id>/settings/", views.product_settings, name="settings"),
    path("products/<int:product_id>/delete/", views.product_delete_view, name="delete"),
    path("products/<int:product_id>/members/", views.member_list, name="members"),
    path(
        "products/<int:product_id>/members/<int:membership_id>/role/",
        views.member_role,
        name="member-role",
    ),
    path(
        "products/<int:product_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("products/<int:product_id>/activity/", views.activity_list, name="activity"),
    path("settings/tokens/", views.token_list, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
