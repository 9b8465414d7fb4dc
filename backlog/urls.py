from django.urls import path

import lodestar.converters  # noqa: F401 - registers the "id" path converter

from .views import imports, items, planning

app_name = "backlog"

BACKLOG = "products/<id:product_id>/backlog/"
ITEM = BACKLOG + "items/<id:item_id>/"
SPRINT = BACKLOG + "sprints/<id:sprint_id>/"

urlpatterns = [
    # The ranked list, its items, dependencies and score order (views/items.py)
    path(BACKLOG, items.backlog_list, name="list"),
    path(BACKLOG + "new/", items.item_create_view, name="item-create"),
    path(BACKLOG + "score-order/", items.score_order_view, name="score-order"),
    path(
        BACKLOG + "score-order/<id:change_id>/undo/",
        items.score_order_undo_view,
        name="score-order-undo",
    ),
    path(ITEM, items.item_detail, name="item"),
    path(ITEM + "edit/", items.item_edit, name="item-edit"),
    path(ITEM + "field/", items.item_field, name="item-field"),
    path(ITEM + "rerank/", items.item_rerank_view, name="item-rerank"),
    path(ITEM + "delete/", items.item_delete_view, name="item-delete"),
    path(ITEM + "dependencies/", items.dependency_add, name="dependency-add"),
    path(
        BACKLOG + "dependencies/<id:dependency_id>/delete/",
        items.dependency_delete_view,
        name="dependency-delete",
    ),
    # Sprints, velocity and forecasts (views/planning.py)
    path(ITEM + "forecast/", planning.item_forecast, name="item-forecast"),
    path(BACKLOG + "sprints/", planning.sprint_board, name="sprints"),
    path(BACKLOG + "sprints/new/", planning.sprint_create_view, name="sprint-create"),
    path(SPRINT, planning.sprint_detail, name="sprint"),
    path(SPRINT + "edit/", planning.sprint_edit, name="sprint-edit"),
    path(SPRINT + "close/", planning.sprint_close_view, name="sprint-close"),
    path(SPRINT + "delete/", planning.sprint_delete_view, name="sprint-delete"),
    path(SPRINT + "plan/", planning.sprint_plan_item, name="sprint-plan"),
    path(BACKLOG + "velocity/", planning.velocity, name="velocity"),
    path(
        "products/<id:product_id>/roadmap/items/<id:roadmap_item_id>/forecast/",
        planning.roadmap_item_forecast,
        name="roadmap-item-forecast",
    ),
    # CSV import and export (views/imports.py)
    path(BACKLOG + "export.csv", imports.export_csv, name="export"),
    path(BACKLOG + "imports/", imports.import_upload, name="imports"),
    path(BACKLOG + "imports/<id:import_id>/", imports.import_preview, name="import"),
    path(
        BACKLOG + "imports/<id:import_id>/commit/",
        imports.import_commit_view,
        name="import-commit",
    ),
]
