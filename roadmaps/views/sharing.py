"""Snapshots (named baselines) and the compare view, share links, and the public page a share
link opens. The public page is the app's only page without a login: it shows one product's
roadmap view as the link's filters narrow it, and nothing else."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lodestar.concurrency import VersionConflict
from lodestar.views import no_store, show_once, shown_once
from products.activity import Actor
from products.forms import ConfirmVersionForm
from products.models import Role
from products.permissions import product_for

from ..forms import SHARE_LINK_FILTERS, ShareLinkForm, SnapshotForm
from ..models import (
    Lane,
    Objective,
    Release,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapView,
    ShareLink,
    Status,
    Team,
)
from ..queries import ItemChange, roadmap_for, snapshot_compare_now
from ..services import (
    share_link_create,
    share_link_open,
    share_link_revoke,
    snapshot_create,
    snapshot_delete,
)
from .items import roadmap_view_context

# --- Snapshots ----------------------------------------------------------------------------------


def _snapshot_choices(product):
    """Every snapshot of the product for the compare selector, without the frozen rows."""
    return list(
        RoadmapSnapshot.objects.filter(product=product).only("id", "name", "created_at", "product")
    )


@login_required
@require_http_methods(["GET", "POST"])
def snapshot_list(request, product_id):
    """The product's snapshots; editors freeze the roadmap under a new name here."""
    minimum = Role.EDITOR if request.method == "POST" else Role.VIEWER
    product = product_for(request.user, product_id, minimum)
    form = SnapshotForm(request.POST or None) if product.role.can_edit else None
    if request.method == "POST" and form.is_valid():
        snapshot = snapshot_create(
            by=Actor.web(request), product=product, name=form.cleaned_data["name"]
        )
        count = snapshot.item_count
        messages.success(
            request,
            f"Saved snapshot “{snapshot.name}” of {count} item{'s' if count != 1 else ''}. "
            "Open it any time to see what changed since.",
        )
        return redirect("roadmaps:snapshots", product_id=product.pk)
    snapshots = list(RoadmapSnapshot.objects.filter(product=product).select_related("created_by"))
    return render(
        request,
        "roadmaps/snapshot_list.html",
        {"product": product, "snapshots": snapshots, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def snapshot_delete_view(request, product_id, snapshot_id):
    product = product_for(request.user, product_id, Role.ADMIN)
    snapshot = get_object_or_404(RoadmapSnapshot, product=product, pk=snapshot_id)
    snapshot.product = product
    snapshot_delete(snapshot=snapshot, by=Actor.web(request))
    messages.success(request, f"Deleted snapshot “{snapshot.name}”.")
    return redirect("roadmaps:snapshots", product_id=product.pk)


# The compare sections in page order: (attribute of the Comparison, heading, what it means).
COMPARE_SECTIONS = [
    ("slipped", "Slipped", "The end date moved later; biggest slip first."),
    ("pulled_in", "Pulled in", "The end date moved earlier."),
    ("added", "Added", "On the roadmap now, not in the snapshot."),
    ("removed", "Removed", "In the snapshot, gone from the roadmap now."),
    ("moved_lane", "Moved lane", "Now, Next or Later changed."),
    ("changed_status", "Changed status", "The status is not what it was."),
]


def _side(row: dict | None) -> dict | None:
    """One side of a change (a snapshot row or today's row) ready to show: dates as dates,
    labels beside the stored values."""
    if row is None:
        return None
    return {
        "team": row["team"],
        "lane": row["lane"],
        "lane_label": Lane(row["lane"]).label if row["lane"] in Lane.values else row["lane"],
        "status": row["status"],
        "status_label": (
            Status(row["status"]).label if row["status"] in Status.values else row["status"]
        ),
        "start_date": _iso_date(row["start_date"]),
        "end_date": _iso_date(row["end_date"]),
    }


def _iso_date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _compare_rows(changes: list[ItemChange], product) -> list[dict]:
    return [
        {
            "id": change.id,
            "title": change.title,
            # Removed items have no page any more; everything else links to its item.
            "url": (
                reverse("roadmaps:item", args=[product.pk, change.id])
                if change.after is not None
                else None
            ),
            "before": _side(change.before),
            "after": _side(change.after),
            "days": change.days,
        }
        for change in changes
    ]


@login_required
@require_GET
def snapshot_compare_view(request, product_id, snapshot_id):
    """Today's roadmap against a snapshot: what slipped, was pulled in, added, removed, moved
    lane or changed status."""
    product = product_for(request.user, product_id, Role.VIEWER)
    against = request.GET.get("against", "")
    # At most 18 digits, like the URL's ids: a longer number would overflow the id column.
    if against.isdigit() and len(against) <= 18 and int(against) != snapshot_id:
        # The selector is a plain GET form: send it to the chosen snapshot's own address.
        other = get_object_or_404(RoadmapSnapshot.objects.only("id"), product=product, pk=against)
        return redirect("roadmaps:snapshot", product_id=product.pk, snapshot_id=other.pk)
    snapshot = get_object_or_404(
        RoadmapSnapshot.objects.select_related("created_by"), product=product, pk=snapshot_id
    )
    snapshot.product = product
    comparison = snapshot_compare_now(snapshot)
    sections = [
        {
            "key": key,
            "title": title,
            "meaning": meaning,
            "rows": _compare_rows(getattr(comparison, key), product),
        }
        for key, title, meaning in COMPARE_SECTIONS
    ]
    current_count = snapshot.item_count + len(comparison.added) - len(comparison.removed)
    return render(
        request,
        "roadmaps/compare.html",
        {
            "product": product,
            "snapshot": snapshot,
            "comparison": comparison,
            "sections": sections,
            "snapshots": _snapshot_choices(product),
            "current_count": current_count,
        },
    )


# --- Share links --------------------------------------------------------------------------------

# The new link's token is shown once, on the page the create request redirects to (see
# show_once).
NEW_SHARE_LINK_SESSION_KEY = "new_share_link"


def _share_link_choices(product) -> dict:
    """The product's rows a share link may filter on: for the form's choices and for
    describing existing links' filters in words."""
    return {
        "teams": list(Team.objects.filter(product=product).only("id", "name")),
        "themes": RoadmapItem.objects.themes_of(product),
        "objectives": list(Objective.objects.filter(product=product).only("id", "title")),
        "releases": list(Release.objects.filter(product=product).only("id", "name", "date")),
    }


def describe_filters(filters: dict[str, str], choices: dict) -> list[str]:
    """A share link's filters in words, e.g. ["Team Routing", "Status In progress"]; a row
    deleted since the link was made is said to be gone (the link then shows nothing of it)."""
    names = {
        "team": {str(team.pk): team.name for team in choices["teams"]},
        "objective": {str(o.pk): o.title for o in choices["objectives"]},
        "release": {str(r.pk): r.name for r in choices["releases"]},
        "status": dict(Status.choices),
        "lane": dict(Lane.choices),
    }
    labels = {
        "team": "Team",
        "theme": "Theme",
        "status": "Status",
        "lane": "Lane",
        "objective": "Objective",
        "release": "Release",
    }
    words = []
    for key in SHARE_LINK_FILTERS:
        value = filters.get(key)
        if not value:
            continue
        if key == "theme":
            words.append(f"{labels[key]} “{value}”")
        else:
            shown = names[key].get(str(value))
            words.append(f"{labels[key]} {shown}" if shown else f"{labels[key]} (deleted)")
    return words


@login_required
@require_http_methods(["GET", "POST"])
def share_link_list(request, product_id):
    """The product's share links (admins only): create one, see their state, revoke."""
    product = product_for(request.user, product_id, Role.ADMIN)
    choices = _share_link_choices(product)
    form = ShareLinkForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        link, token = share_link_create(
            by=Actor.web(request),
            product=product,
            name=form.cleaned_data["name"],
            view=form.cleaned_data["view"],
            filters=form.filters(),
            expires_at=form.cleaned_data["expires_at"],
        )
        show_once(request, NEW_SHARE_LINK_SESSION_KEY, link, token)
        return redirect("roadmaps:share-links", product_id=product.pk)
    links = list(ShareLink.objects.filter(product=product).select_related("created_by"))
    for link in links:
        link.filter_words = describe_filters(link.filters, choices)
    created_link, token = shown_once(request, NEW_SHARE_LINK_SESSION_KEY, links)
    created_url = (
        request.build_absolute_uri(reverse("roadmaps:shared", args=[token]))
        if created_link
        else None
    )
    response = render(
        request,
        "roadmaps/share_links.html",
        {
            "product": product,
            "form": form,
            "links": links,
            "created_link": created_link,
            "created_url": created_url,
        },
        status=400 if form.errors else 200,
    )
    return no_store(response, when=created_link is not None)


@login_required
@require_POST
def share_link_revoke_view(request, product_id, link_id):
    product = product_for(request.user, product_id, Role.ADMIN)
    link = get_object_or_404(ShareLink, product=product, pk=link_id)
    link.product = product
    form = ConfirmVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The revoke request was incomplete; nothing was changed.")
        return redirect("roadmaps:share-links", product_id=product.pk)
    if link.revoked_at is not None:
        messages.info(request, f"“{link.name}” was already revoked.")
        return redirect("roadmaps:share-links", product_id=product.pk)
    try:
        share_link_revoke(
            link=link, by=Actor.web(request), expected_version=form.cleaned_data["version"]
        )
    except VersionConflict:
        messages.error(
            request,
            f"“{link.name}” changed while you were looking at it; nothing was revoked. "
            "Check it below and try again.",
        )
    else:
        messages.success(request, f"Revoked “{link.name}”. Its page now answers “not found”.")
    return redirect("roadmaps:share-links", product_id=product.pk)


# --- The public page ----------------------------------------------------------------------------

# The token is in the URL: keep it out of Referer headers, search indexes and caches.
PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _public(response):
    for name, value in PUBLIC_HEADERS.items():
        response[name] = value
    return response


# How a visitor may look at the shared view (zoom, grouping, sort order); never which items.
SHARED_DISPLAY_KEYS = ("zoom", "group", "sort")


@require_GET
def shared_roadmap(request, token):
    """A share link's read-only roadmap, without a login. Unknown, revoked and expired links
    all answer the same 404."""
    link = share_link_open(token)
    if link is None:
        return _public(render(request, "roadmaps/shared_404.html", status=404))
    filters = dict(link.filters)
    display = {key: request.GET[key][:20] for key in SHARED_DISPLAY_KEYS if request.GET.get(key)}
    roadmap, _ = roadmap_for(link.product, filters, links=False)
    context = roadmap_view_context(roadmap, link.view, {**filters, **display}, editable=False)
    # Names of the link's filters, from this product's rows only: a filter naming another
    # product's row reads as deleted, never as that row's name.
    objectives = (
        list(Objective.objects.filter(product=link.product).only("id", "title"))
        if filters.get("objective")
        else []
    )
    choices = {"teams": roadmap.teams, "objectives": objectives, "releases": roadmap.releases}
    link.filter_words = describe_filters(filters, choices)
    context.update(
        {
            "public": True,
            "link": link,
            "shared_product": link.product,
            "view_label": RoadmapView(link.view).label,
        }
    )
    return _public(render(request, "roadmaps/shared.html", context))
