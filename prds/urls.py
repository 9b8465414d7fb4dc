from django.urls import path

import lodestar.converters  # noqa: F401 - registers the "id" path converter

from .views import documents, parts

app_name = "prds"

PRD = "products/<id:product_id>/prds/<id:prd_id>/"

urlpatterns = [
    # The PRD itself: list, create, read, edit, status, history, reviews, comments, templates
    # (views/documents.py)
    path("products/<id:product_id>/prds/", documents.prd_list, name="list"),
    path("products/<id:product_id>/prds/new/", documents.prd_create_view, name="create"),
    path("products/<id:product_id>/prd-templates/", documents.template_list, name="templates"),
    path(
        "products/<id:product_id>/prd-templates/new/",
        documents.template_create_view,
        name="template-create",
    ),
    path(
        "products/<id:product_id>/prd-templates/<id:template_id>/",
        documents.template_edit,
        name="template-edit",
    ),
    path(
        "products/<id:product_id>/prd-templates/<id:template_id>/delete/",
        documents.template_delete_view,
        name="template-delete",
    ),
    path(PRD, documents.prd_read, name="read"),
    path(PRD + "edit/", documents.prd_edit, name="edit"),
    path(PRD + "preview/", documents.prd_preview, name="preview"),
    path(PRD + "status/", documents.prd_transition_view, name="transition"),
    path(PRD + "delete/", documents.prd_delete_view, name="delete"),
    path(PRD + "history/", documents.prd_history, name="history"),
    path(PRD + "history/compare/", documents.prd_compare, name="compare"),
    path(PRD + "history/<int:number>/", documents.prd_revision, name="revision"),
    path(PRD + "history/<int:number>/restore/", documents.prd_restore_view, name="restore"),
    path(PRD + "reviewers/", documents.review_request_view, name="review-request"),
    path(PRD + "reviews/<id:review_id>/", documents.review_submit_view, name="review-submit"),
    path(
        PRD + "reviews/<id:review_id>/withdraw/",
        documents.review_withdraw_view,
        name="review-withdraw",
    ),
    path(PRD + "comments/", documents.comment_add, name="comment-add"),
    path(
        PRD + "comments/<id:comment_id>/delete/",
        documents.comment_delete_view,
        name="comment-delete",
    ),
    # The structured parts: criteria, contracts, expectations, decisions (views/parts.py)
    path(PRD + "criteria/new/", parts.criterion_create_view, name="criterion-create"),
    path(PRD + "criteria/<id:criterion_id>/", parts.criterion_edit, name="criterion-edit"),
    path(
        PRD + "criteria/<id:criterion_id>/status/",
        parts.criterion_status,
        name="criterion-status",
    ),
    path(
        PRD + "criteria/<id:criterion_id>/move/", parts.criterion_move_view, name="criterion-move"
    ),
    path(
        PRD + "criteria/<id:criterion_id>/delete/",
        parts.criterion_delete_view,
        name="criterion-delete",
    ),
    path(PRD + "contracts/new/", parts.contract_create_view, name="contract-create"),
    path(PRD + "contracts/<id:contract_id>/", parts.contract_detail, name="contract"),
    path(PRD + "contracts/<id:contract_id>/edit/", parts.contract_edit, name="contract-edit"),
    path(
        PRD + "contracts/<id:contract_id>/compare/",
        parts.contract_compare,
        name="contract-compare",
    ),
    path(
        PRD + "contracts/<id:contract_id>/delete/",
        parts.contract_delete_view,
        name="contract-delete",
    ),
    path(PRD + "expectations/new/", parts.expectation_create_view, name="expectation-create"),
    path(
        PRD + "expectations/<id:expectation_id>/",
        parts.expectation_edit,
        name="expectation-edit",
    ),
    path(
        PRD + "expectations/<id:expectation_id>/delete/",
        parts.expectation_delete_view,
        name="expectation-delete",
    ),
    path(PRD + "decisions/new/", parts.decision_create_view, name="decision-create"),
    path(PRD + "decisions/<id:decision_id>/", parts.decision_edit, name="decision-edit"),
    path(
        PRD + "decisions/<id:decision_id>/delete/",
        parts.decision_delete_view,
        name="decision-delete",
    ),
]
