"""The baselines of ``make bench``: the same rows as a page or the API, with no framework around.

PRODUCT.md measures pages and API list endpoints against these views in the same run: they are
what this stack (Django, the database, the JSON encoder) costs at least, so the figures beside
them show what the page or the API adds.
"""

from django.http import JsonResponse

from prds.models import AcceptanceCriterion, Comment, Prd, Review
from roadmaps.models import RoadmapItem

# The columns the API's roadmap-item list returns, straight from the table (the API adds what
# it computes: objectives, insight count, late blockers, links).
FIELDS = (
    "id",
    "product_id",
    "title",
    "summary",
    "status",
    "lane",
    "lane_rank",
    "start_date",
    "end_date",
    "confidence",
    "team_id",
    "theme",
    "feature_key",
    "version",
    "created_at",
    "updated_at",
)


def bare_roadmap_items(request):
    """``?product=<id>&page_size=<n>``: the product's first n items by id, as JSON."""
    product_id = int(request.GET["product"])
    page_size = min(int(request.GET.get("page_size", 100)), 100)
    rows = list(
        RoadmapItem.objects.filter(product_id=product_id).order_by("id").values(*FIELDS)[:page_size]
    )
    return JsonResponse({"results": rows})


# What the PRD reading page shows from the tables: the current revision's stored HTML and table
# of contents, the criteria, the reviewers and the comments (already rendered when saved).
PRD_FIELDS = (
    "id",
    "product_id",
    "title",
    "status",
    "owner__first_name",
    "owner__last_name",
    "version",
    "updated_at",
    "current_revision__number",
    "current_revision__body_html",
    "current_revision__toc",
)
CRITERION_FIELDS = ("id", "kind", "html", "status", "rank", "version")
REVIEW_FIELDS = (
    "id",
    "reviewer__first_name",
    "reviewer__last_name",
    "verdict",
    "comment_html",
    "revision_number",
    "decided_at",
)
COMMENT_FIELDS = (
    "id",
    "criterion_id",
    "parent_id",
    "author__first_name",
    "author__last_name",
    "body_html",
    "created_at",
)


def bare_prd(request):
    """``?prd=<id>``: the PRD's reading data as JSON, four queries straight from the tables."""
    prd_id = int(request.GET["prd"])
    prd = Prd.objects.filter(pk=prd_id).values(*PRD_FIELDS).get()
    criteria = AcceptanceCriterion.objects.filter(prd_id=prd_id).order_by("rank", "id")
    reviews = Review.objects.filter(prd_id=prd_id).order_by("created_at", "id")
    comments = Comment.objects.filter(prd_id=prd_id).order_by("created_at", "id")
    return JsonResponse(
        {
            "prd": prd,
            "criteria": list(criteria.values(*CRITERION_FIELDS)),
            "reviews": list(reviews.values(*REVIEW_FIELDS)),
            "comments": list(comments.values(*COMMENT_FIELDS)),
        }
    )
