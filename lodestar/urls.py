from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from prds import api as prds_api
from products import api as products_api
from roadmaps import api as roadmaps_api

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
        path("products/<id:pk>/vision/", roadmaps_api.VisionView.as_view(), name="vision"),
        path("teams/", roadmaps_api.TeamListView.as_view(), name="team-list"),
        path("teams/<id:pk>/", roadmaps_api.TeamDetailView.as_view(), name="team-detail"),
        path("objectives/", roadmaps_api.ObjectiveListView.as_view(), name="objective-list"),
        path(
            "objectives/<id:pk>/",
            roadmaps_api.ObjectiveDetailView.as_view(),
            name="objective-detail",
        ),
        path("key-results/", roadmaps_api.KeyResultListView.as_view(), name="key-result-list"),
        path(
            "key-results/<id:pk>/",
            roadmaps_api.KeyResultDetailView.as_view(),
            name="key-result-detail",
        ),
        path(
            "roadmap-items/", roadmaps_api.RoadmapItemListView.as_view(), name="roadmap-item-list"
        ),
        path(
            "roadmap-items/<id:pk>/",
            roadmaps_api.RoadmapItemDetailView.as_view(),
            name="roadmap-item-detail",
        ),
        path(
            "roadmap-items/<id:pk>/move/",
            roadmaps_api.RoadmapItemMoveView.as_view(),
            name="roadmap-item-move",
        ),
        path("dependencies/", roadmaps_api.DependencyListView.as_view(), name="dependency-list"),
        path(
            "dependencies/<id:pk>/",
            roadmaps_api.DependencyDetailView.as_view(),
            name="dependency-detail",
        ),
        path("releases/", roadmaps_api.ReleaseListView.as_view(), name="release-list"),
        path("releases/<id:pk>/", roadmaps_api.ReleaseDetailView.as_view(), name="release-detail"),
        path(
            "releases/<id:pk>/readiness/",
            roadmaps_api.ReleaseReadinessView.as_view(),
            name="release-readiness",
        ),
        path("releases/<id:pk>/ship/", roadmaps_api.ReleaseShipView.as_view(), name="release-ship"),
        path(
            "checklist-entries/",
            roadmaps_api.ChecklistEntryListView.as_view(),
            name="checklist-entry-list",
        ),
        path(
            "checklist-entries/<id:pk>/",
            roadmaps_api.ChecklistEntryDetailView.as_view(),
            name="checklist-entry-detail",
        ),
        path("risks/", roadmaps_api.RiskListView.as_view(), name="risk-list"),
        path("risks/<id:pk>/", roadmaps_api.RiskDetailView.as_view(), name="risk-detail"),
        path("insights/", roadmaps_api.InsightListView.as_view(), name="insight-list"),
        path("insights/<id:pk>/", roadmaps_api.InsightDetailView.as_view(), name="insight-detail"),
        path("snapshots/", roadmaps_api.SnapshotListView.as_view(), name="snapshot-list"),
        path(
            "snapshots/<id:pk>/", roadmaps_api.SnapshotDetailView.as_view(), name="snapshot-detail"
        ),
        path(
            "snapshots/<id:pk>/compare/",
            roadmaps_api.SnapshotCompareView.as_view(),
            name="snapshot-compare",
        ),
        path("share-links/", roadmaps_api.ShareLinkListView.as_view(), name="share-link-list"),
        path(
            "share-links/<id:pk>/",
            roadmaps_api.ShareLinkDetailView.as_view(),
            name="share-link-detail",
        ),
        # PRDs and their parts (prds/api.py)
        path("prds/", prds_api.PrdListView.as_view(), name="prd-list"),
        path("prds/<id:pk>/", prds_api.PrdDetailView.as_view(), name="prd-detail"),
        path(
            "prds/<id:pk>/transition/",
            prds_api.PrdTransitionView.as_view(),
            name="prd-transition",
        ),
        path("prds/<id:pk>/restore/", prds_api.PrdRestoreView.as_view(), name="prd-restore"),
        path(
            "prds/<id:pk>/revisions/",
            prds_api.PrdRevisionListView.as_view(),
            name="prd-revision-list",
        ),
        path(
            "prds/<id:pk>/revisions/diff/",
            prds_api.PrdRevisionDiffView.as_view(),
            name="prd-revision-diff",
        ),
        path(
            "prds/<id:pk>/revisions/<id:number>/",
            prds_api.PrdRevisionDetailView.as_view(),
            name="prd-revision-detail",
        ),
        path(
            "acceptance-criteria/",
            prds_api.CriterionListView.as_view(),
            name="acceptance-criterion-list",
        ),
        path(
            "acceptance-criteria/<id:pk>/",
            prds_api.CriterionDetailView.as_view(),
            name="acceptance-criterion-detail",
        ),
        path(
            "acceptance-criteria/<id:pk>/move/",
            prds_api.CriterionMoveView.as_view(),
            name="acceptance-criterion-move",
        ),
        path("api-contracts/", prds_api.ContractListView.as_view(), name="api-contract-list"),
        path(
            "api-contracts/<id:pk>/",
            prds_api.ContractDetailView.as_view(),
            name="api-contract-detail",
        ),
        path(
            "api-contracts/<id:pk>/revisions/",
            prds_api.ContractRevisionListView.as_view(),
            name="api-contract-revision-list",
        ),
        path(
            "api-contracts/<id:pk>/breaking-changes/",
            prds_api.ContractBreakingChangesView.as_view(),
            name="api-contract-breaking-changes",
        ),
        path(
            "performance-expectations/",
            prds_api.ExpectationListView.as_view(),
            name="performance-expectation-list",
        ),
        path(
            "performance-expectations/<id:pk>/",
            prds_api.ExpectationDetailView.as_view(),
            name="performance-expectation-detail",
        ),
        path("decisions/", prds_api.DecisionListView.as_view(), name="decision-list"),
        path("decisions/<id:pk>/", prds_api.DecisionDetailView.as_view(), name="decision-detail"),
        path("reviews/", prds_api.ReviewListView.as_view(), name="review-list"),
        path("reviews/<id:pk>/", prds_api.ReviewDetailView.as_view(), name="review-detail"),
        path("comments/", prds_api.CommentListView.as_view(), name="comment-list"),
        path("comments/<id:pk>/", prds_api.CommentDetailView.as_view(), name="comment-detail"),
        path("prd-templates/", prds_api.TemplateListView.as_view(), name="prd-template-list"),
        path(
            "prd-templates/<id:pk>/",
            prds_api.TemplateDetailView.as_view(),
            name="prd-template-detail",
        ),
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
    path("", include("prds.urls")),
    path("", include("backlog.urls")),
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
