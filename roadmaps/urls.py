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
    # Vision, objectives, teams, releases, risks, insights (views/planning.py)
    path("products/<id:product_id>/vision/", planning.vision, name="vision"),
    path("products/<id:product_id>/releases/", planning.release_list, name="releases"),
    path(
        "products/<id:product_id>/releases/<id:release_id>/",
        planning.release_detail,
        name="release",
    ),
    path("products/<id:product_id>/risks/", planning.risk_list, name="risks"),
    path("products/<id:product_id>/insights/", planning.insight_list, name="insights"),
    path("products/<id:product_id>/teams/", planning.team_list, name="teams"),
    # Snapshots, compare, share links and the public share page (views/sharing.py)
    path("products/<id:product_id>/snapshots/", sharing.snapshot_list, name="snapshots"),
    path(
        "products/<id:product_id>/snapshots/<id:snapshot_id>/",
        sharing.snapshot_compare_view,
        name="snapshot",
    ),
    path("products/<id:product_id>/share-links/", sharing.share_link_list, name="share-links"),
    path("share/<str:token>/", sharing.shared_roadmap, name="shared"),
]
