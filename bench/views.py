"""The baseline of ``make bench``: the same rows as the API's list, with no framework around it.

PRODUCT.md measures API list endpoints against this view in the same run: it is what this stack
(Django, the database, the JSON encoder) costs at least, so the ratio shows what the API adds.
"""

from django.http import JsonResponse

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
