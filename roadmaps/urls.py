from django.urls import path

import lodestar.converters  # noqa: F401 - registers the "id" path converter

from .views import items, planning, sharing

app_name = "roadmaps"

urlpatterns = [
    # Roadmap views and items (views/items.py)
    path("products/<id:product_id>/roadmap/", items.timeline, name="timeline"),
    path("products/<id:product_id>/roadmap/board/", items.board, name="board"),
    path("products/<id:product_id>/roadmap/list/", items.item_list, name="list"),
    path("products/<id:product_id>/roadmap/items/new/", items.item_create_view, name="item-create"),
    path("products/<id:product_id>/roadmap/items/<id:item_id>/", items.item_detail, name="item"),
    path(
        "products/<id:product_id>/roadmap/items/<id:item_id>/dates/",
        items.item_dates,
        name="item-dates",
    ),
    path(
        "products/<id:product_id>/roadmap/items/<id:item_id>/move/",
        items.item_move_view,
        name="item-move",
    ),
    path(
        "products/<id:product_id>/roadmap/items/<id:item_id>/delete/",
        items.item_delete_view,
        name="item-delete",
    ),
    path(
        "products/<id:product_id>/roadmap/items/<id:item_id>/dependencies/",
        items.dependency_add,
        name="dependency-add",
    ),
    path(
        "products/<id:product_id>/roadmap/dependencies/<id:dependency_id>/delete/",
        items.dependency_remove,
        name="dependency-delete",
    ),
    # Vision, objectives, teams, releases, risks, insights (views/planning.py)
    path("products/<id:product_id>/vision/", planning.vision, name="vision"),
    path(
        "products/<id:product_id>/vision/fields/<slug:field>/",
        planning.vision_field,
        name="vision-field",
    ),
    path(
        "products/<id:product_id>/objectives/new/",
        planning.objective_create_view,
        name="objective-create",
    ),
    path(
        "products/<id:product_id>/objectives/<id:objective_id>/edit/",
        planning.objective_edit,
        name="objective-edit",
    ),
    path(
        "products/<id:product_id>/objectives/<id:objective_id>/delete/",
        planning.objective_delete_view,
        name="objective-delete",
    ),
    path(
        "products/<id:product_id>/objectives/<id:objective_id>/key-results/new/",
        planning.key_result_create_view,
        name="key-result-create",
    ),
    path(
        "products/<id:product_id>/key-results/<id:key_result_id>/edit/",
        planning.key_result_edit,
        name="key-result-edit",
    ),
    path(
        "products/<id:product_id>/key-results/<id:key_result_id>/current/",
        planning.key_result_current,
        name="key-result-current",
    ),
    path(
        "products/<id:product_id>/key-results/<id:key_result_id>/delete/",
        planning.key_result_delete_view,
        name="key-result-delete",
    ),
    path("products/<id:product_id>/releases/", planning.release_list, name="releases"),
    path(
        "products/<id:product_id>/releases/new/",
        planning.release_create_view,
        name="release-create",
    ),
    path(
        "products/<id:product_id>/releases/<id:release_id>/",
        planning.release_detail,
        name="release",
    ),
    path(
        "products/<id:product_id>/releases/<id:release_id>/edit/",
        planning.release_edit,
        name="release-edit",
    ),
    path(
        "products/<id:product_id>/releases/<id:release_id>/delete/",
        planning.release_delete_view,
        name="release-delete",
    ),
    path(
        "products/<id:product_id>/releases/<id:release_id>/ship/",
        planning.release_ship_view,
        name="release-ship",
    ),
    path(
        "products/<id:product_id>/releases/<id:release_id>/checklist/<id:entry_id>/",
        planning.checklist_entry_view,
        name="checklist-entry",
    ),
    path("products/<id:product_id>/risks/", planning.risk_list, name="risks"),
    path("products/<id:product_id>/risks/new/", planning.risk_create_view, name="risk-create"),
    path(
        "products/<id:product_id>/risks/<id:risk_id>/edit/",
        planning.risk_edit,
        name="risk-edit",
    ),
    path(
        "products/<id:product_id>/risks/<id:risk_id>/delete/",
        planning.risk_delete_view,
        name="risk-delete",
    ),
    path("products/<id:product_id>/insights/", planning.insight_list, name="insights"),
    path(
        "products/<id:product_id>/insights/new/",
        planning.insight_create_view,
        name="insight-create",
    ),
    path(
        "products/<id:product_id>/insights/<id:insight_id>/edit/",
        planning.insight_edit,
        name="insight-edit",
    ),
    path(
        "products/<id:product_id>/insights/<id:insight_id>/delete/",
        planning.insight_delete_view,
        name="insight-delete",
    ),
    path("products/<id:product_id>/teams/", planning.team_list, name="teams"),
    path(
        "products/<id:product_id>/teams/<id:team_id>/edit/",
        planning.team_edit,
        name="team-edit",
    ),
    path(
        "products/<id:product_id>/teams/<id:team_id>/delete/",
        planning.team_delete_view,
        name="team-delete",
    ),
    # Snapshots, compare, share links and the public share page (views/sharing.py)
    path("products/<id:product_id>/snapshots/", sharing.snapshot_list, name="snapshots"),
    path(
        "products/<id:product_id>/snapshots/<id:snapshot_id>/",
        sharing.snapshot_compare_view,
        name="snapshot",
    ),
    path(
        "products/<id:product_id>/snapshots/<id:snapshot_id>/delete/",
        sharing.snapshot_delete_view,
        name="snapshot-delete",
    ),
    path("products/<id:product_id>/share-links/", sharing.share_link_list, name="share-links"),
    path(
        "products/<id:product_id>/share-links/<id:link_id>/revoke/",
        sharing.share_link_revoke_view,
        name="share-link-revoke",
    ),
    path("share/<str:token>/", sharing.shared_roadmap, name="shared"),
]
