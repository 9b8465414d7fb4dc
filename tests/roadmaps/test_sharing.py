"""Share links: the admin page that makes and revokes them, and the public page a link opens,
which needs no login and shows only what the link covers."""

import datetime
import itertools
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from products.models import Activity
from roadmaps.models import Lane, RoadmapView, ShareLink, Status
from roadmaps.views.sharing import NEW_SHARE_LINK_SESSION_KEY
from tests.factories import (
    DependencyFactory,
    ObjectiveFactory,
    ProductFactory,
    ReleaseFactory,
    RoadmapItemFactory,
    ShareLinkFactory,
    TeamFactory,
)
from tests.roadmaps.pages import CALLERS, log_in


def _shared_url(token: str) -> str:
    return reverse("roadmaps:shared", args=[token])


def _form_data(**overrides) -> dict:
    return {
        "name": "Board, Q3 review",
        "view": "timeline",
        "team": "",
        "theme": "",
        "status": "",
        "lane": "",
        "objective": "",
        "release": "",
        "expires_at": "",
        **overrides,
    }


# --- Who may do what ----------------------------------------------------------------------------


def _call(client, team, operation: str, link: ShareLink):
    product = team.product
    calls = {
        "list": lambda: client.get(reverse("roadmaps:share-links", args=[product.pk])),
        "create": lambda: client.post(
            reverse("roadmaps:share-links", args=[product.pk]), _form_data()
        ),
        "revoke": lambda: client.post(
            reverse("roadmaps:share-link-revoke", args=[product.pk, link.pk]),
            {"version": link.version},
        ),
    }
    return calls[operation]()


OPERATIONS = {"list": 200, "create": 302, "revoke": 302}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_share_link_admin_role_matrix(team, client, caller, operation):
    link = ShareLinkFactory(product=team.product)
    log_in(client, team, caller)
    response = _call(client, team, operation, link)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif caller == "outsider":
        assert response.status_code == 404
    elif caller == "admin":
        assert response.status_code == OPERATIONS[operation]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("caller", ["editor", "contributor", "viewer", "outsider", "anonymous"])
def test_refused_share_link_writes_change_nothing(team, client, caller):
    link = ShareLinkFactory(product=team.product)
    log_in(client, team, caller)
    _call(client, team, "create", link)
    _call(client, team, "revoke", link)
    assert list(ShareLink.objects.values_list("pk", "revoked_at")) == [(link.pk, None)]


@pytest.mark.parametrize("caller", CALLERS)
def test_share_page_opens_for_anyone_with_the_link(team, client, caller):
    RoadmapItemFactory(product=team.product, title="Live ETA")
    link = ShareLinkFactory(product=team.product)
    log_in(client, team, caller)
    response = client.get(_shared_url(link.token))
    assert response.status_code == 200
    assert "Live ETA" in response.content.decode()


def test_share_link_sidebar_entry_is_only_for_admins(team, client):
    url = reverse("roadmaps:share-links", args=[team.product.pk])
    for role, shown in [("admin", True), ("editor", False), ("viewer", False)]:
        client.force_login(team.user(role))
        page = client.get(reverse("roadmaps:snapshots", args=[team.product.pk])).content.decode()
        assert (f'href="{url}"' in page) is shown, role


# --- Creating a link: shown once, stored hashed -------------------------------------------------


def test_created_link_is_shown_once_and_its_token_stored_hashed(team, client):
    RoadmapItemFactory(product=team.product, title="Live ETA")
    client.force_login(team.admin)
    url = reverse("roadmaps:share-links", args=[team.product.pk])
    response = client.post(url, _form_data(view="board"))
    # Redirected, so reloading the page that shows the link cannot create a second one.
    assert response.status_code == 302
    assert response["Location"] == url
    assert ShareLink.objects.count() == 1

    response = client.get(url)
    shared = response.context["created_url"]
    assert re.fullmatch(r"http://testserver/share/lss_[\w-]+/", shared)
    page = response.content.decode()
    assert f'value="{shared}"' in page
    assert 'data-copy="#new-share-link"' in page
    assert response["Cache-Control"] == "no-store"

    token = shared.rstrip("/").rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert link.token_hash == ShareLink.hash_token(token)
    assert token not in {link.token_hash, link.display_prefix, link.name}
    assert token not in str(link.filters)
    assert not any(token in str(entry.changes) for entry in Activity.objects.all())
    assert (link.view, link.created_by, link.product) == ("board", team.admin, team.product)

    # Never shown again: not on reload, not left in the session.
    again = client.get(url)
    assert again.context["created_url"] is None
    assert token not in again.content.decode()
    assert NEW_SHARE_LINK_SESSION_KEY not in client.session
    assert ShareLink.objects.count() == 1

    # And it works, without a login.
    client.logout()
    assert "Live ETA" in client.get(shared).content.decode()


def test_link_keeps_the_chosen_filters_and_expiry(team, client):
    routing = TeamFactory(product=team.product, name="Routing")
    objective = ObjectiveFactory(product=team.product, title="Win fleets")
    release = ReleaseFactory(product=team.product, name="2.4")
    RoadmapItemFactory(product=team.product, theme="Reliability")
    client.force_login(team.admin)
    expires = (timezone.localtime() + datetime.timedelta(days=14)).replace(second=0, microsecond=0)
    client.post(
        reverse("roadmaps:share-links", args=[team.product.pk]),
        _form_data(
            team=routing.pk,
            theme="Reliability",
            status="at_risk",
            lane="now",
            objective=objective.pk,
            release=release.pk,
            expires_at=expires.strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    link = ShareLink.objects.get()
    assert link.filters == {
        "team": str(routing.pk),
        "theme": "Reliability",
        "status": "at_risk",
        "lane": "now",
        "objective": str(objective.pk),
        "release": str(release.pk),
    }
    assert link.expires_at == expires
    page = client.get(reverse("roadmaps:share-links", args=[team.product.pk])).content.decode()
    row = re.search(rf'<tr id="share-link-{link.pk}".*?</tr>', page, re.S).group(0)
    for words in [
        "Team Routing",
        "Theme “Reliability”",
        "Status At risk",
        "Lane Now",
        "Objective Win fleets",
        "Release 2.4",
    ]:
        assert f"<li>{words}</li>" in row
    assert f'expires on <time datetime="{expires.isoformat()}">' in row


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "  "),
        ("name", "x" * 121),
        ("view", "gantt"),
        ("status", "lost"),
        ("lane", "someday"),
        ("theme", "Not a theme of this product"),
        ("expires_at", "yesterday"),
        ("expires_at", "2001-01-01T10:00"),
    ],
)
def test_bad_input_is_a_field_error_and_creates_nothing(team, client, field, value):
    client.force_login(team.admin)
    response = client.post(
        reverse("roadmaps:share-links", args=[team.product.pk]), _form_data(**{field: value})
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("field", ["team", "objective", "release"])
def test_filters_cannot_name_rows_of_another_product(team, client, field):
    other = ProductFactory()
    rows = {
        "team": TeamFactory(product=other),
        "objective": ObjectiveFactory(product=other),
        "release": ReleaseFactory(product=other),
    }
    client.force_login(team.admin)
    response = client.post(
        reverse("roadmaps:share-links", args=[team.product.pk]),
        _form_data(**{field: rows[field].pk}),
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ShareLink.objects.exists()


def test_filter_choices_are_only_this_products_rows(team, client):
    TeamFactory(product=team.product, name="Routing")
    TeamFactory(product=ProductFactory(), name="Someone else's team")
    client.force_login(team.admin)
    page = client.get(reverse("roadmaps:share-links", args=[team.product.pk])).content.decode()
    assert "Routing" in page
    assert "Someone else&#x27;s team" not in page


def test_list_shows_the_state_of_each_link(team, client):
    now = timezone.now()
    ShareLinkFactory(product=team.product, name="Open ended")
    ShareLinkFactory(
        product=team.product, name="Until autumn", expires_at=now + datetime.timedelta(days=30)
    )
    ShareLinkFactory(product=team.product, name="Past", expires_at=now - datetime.timedelta(days=1))
    ShareLinkFactory(product=team.product, name="Pulled", revoked_at=now)
    viewed = ShareLinkFactory(product=team.product, name="Seen", last_viewed_at=now)
    client.force_login(team.admin)
    page = client.get(reverse("roadmaps:share-links", args=[team.product.pk])).content.decode()

    def row(name):
        pattern = rf'<tr id="share-link-\d+"[^>]*>\s*<td [^>]*><strong>{name}</strong>.*?</tr>'
        return re.search(pattern, page, re.S).group(0)

    assert "no expiry" in row("Open ended") and "Active" in row("Open ended")
    assert "expires on" in row("Until autumn") and "Active" in row("Until autumn")
    # An expired link cannot open again (links are never edited): nothing left to revoke.
    assert "Expired" in row("Past") and "Revoke…" not in row("Past")
    assert "Revoked" in row("Pulled") and "Revoke…" not in row("Pulled")
    assert "Never" in row("Open ended")
    assert "Never" not in row("Seen") and viewed.name in page
    assert "The whole roadmap" in row("Open ended")


def test_empty_list_says_what_share_links_are_for(team, client):
    client.force_login(team.admin)
    page = client.get(reverse("roadmaps:share-links", args=[team.product.pk])).content.decode()
    assert "No share links yet." in page
    assert "without an account" in page


# --- Revoking -----------------------------------------------------------------------------------


def test_revoked_link_answers_404_at_once(team, client):
    link = ShareLinkFactory(product=team.product)
    assert client.get(_shared_url(link.token)).status_code == 200
    client.force_login(team.admin)
    response = client.post(
        reverse("roadmaps:share-link-revoke", args=[team.product.pk, link.pk]),
        {"version": link.version},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.version == 2
    assert Activity.objects.filter(product=team.product, verb="revoked").exists()
    client.logout()
    assert client.get(_shared_url(link.token)).status_code == 404


def test_revoke_with_a_stale_version_changes_nothing_and_says_so(team, client):
    link = ShareLinkFactory(product=team.product)
    ShareLink.objects.filter(pk=link.pk).update(version=2)
    client.force_login(team.admin)
    response = client.post(
        reverse("roadmaps:share-link-revoke", args=[team.product.pk, link.pk]),
        {"version": 1},
        follow=True,
    )
    assert "nothing was revoked" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None


def test_revoke_confirms_and_says_it_cannot_be_undone(team, client):
    link = ShareLinkFactory(product=team.product, name="Board")
    client.force_login(team.admin)
    page = client.get(reverse("roadmaps:share-links", args=[team.product.pk])).content.decode()
    dialog = re.search(rf'<dialog id="revoke-share-link-{link.pk}".*?</dialog>', page, re.S)
    assert dialog
    assert "This cannot be undone" in dialog.group(0)
    assert f'name="version" value="{link.version}"' in dialog.group(0)


def test_revoke_through_another_product_is_not_found(team, client):
    theirs = ShareLinkFactory(product=ProductFactory())
    client.force_login(team.admin)
    response = client.post(
        reverse("roadmaps:share-link-revoke", args=[team.product.pk, theirs.pk]), {"version": 1}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- The public page ----------------------------------------------------------------------------


def test_public_page_is_marked_read_only_and_kept_out_of_indexes_and_caches(team, client):
    RoadmapItemFactory(product=team.product, title="Live ETA")
    link = ShareLinkFactory(product=team.product)
    response = client.get(_shared_url(link.token))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Read-only" in page
    assert "Atlas Fleet Platform" in page
    assert "Last change" in page
    link.refresh_from_db()
    assert link.last_viewed_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "malformed", "long"])
def test_unusable_links_all_answer_the_same_404(team, client, state):
    now = timezone.now()
    link = ShareLinkFactory(product=team.product)
    token = link.token
    if state == "revoked":
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=now)
    elif state == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_at=now - datetime.timedelta(minutes=1))
    elif state == "unknown":
        token = ShareLink.generate_token()
    elif state == "malformed":
        token = "not-a-token"
    else:
        token = "lss_" + "a" * 300
    response = client.get(_shared_url(token))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link does not open anything" in page
    assert "Atlas Fleet Platform" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"].startswith("noindex")


def test_stored_hash_is_not_the_token(team):
    link = ShareLinkFactory(product=team.product)
    stored = ShareLink.objects.get(pk=link.pk)
    assert stored.token_hash != link.token
    assert link.token not in stored.token_hash
    assert stored.token_hash == ShareLink.hash_token(link.token)
    assert ShareLink.objects.filter(token_hash=link.token).count() == 0


@pytest.mark.parametrize("view", RoadmapView.values)
def test_public_page_has_no_write_control_and_no_way_into_the_app(team, client, view):
    routing = TeamFactory(product=team.product, name="Routing")
    blocker = RoadmapItemFactory(product=team.product, title="Map tiles", team=routing)
    RoadmapItemFactory(product=team.product, title="Live ETA", team=routing, lane=Lane.NOW)
    DependencyFactory(blocker=blocker, blocked=RoadmapItemFactory(product=team.product))
    ReleaseFactory(product=team.product, name="2.4")
    link = ShareLinkFactory(product=team.product, view=view)
    client.force_login(team.admin)  # even an admin gets no edit control here
    page = client.get(_shared_url(link.token)).content.decode()
    assert "Live ETA" in page
    assert "<form" not in page
    assert "csrfmiddlewaretoken" not in page
    for attribute in ("hx-post", "hx-put", "hx-patch", "hx-delete", 'draggable="true"'):
        assert attribute not in page
    assert "/products/" not in page
    assert "/api/" not in page
    # Every link goes to a static file or stays on this shared page (a zoom, a sort):
    # nothing leads into the app.
    for href in re.findall(r'href="([^"]*)"', page):
        assert href.startswith(("/static/", "#", "?")), href
    for text in ("Sign in", "Log out", "admin-user", "Members", "Activity"):
        assert text not in page


def test_public_page_shows_only_the_items_the_filters_allow(team, client):
    routing = TeamFactory(product=team.product, name="Routing")
    mobile = TeamFactory(product=team.product, name="Mobile")
    RoadmapItemFactory(product=team.product, title="Live ETA", team=routing, status="at_risk")
    RoadmapItemFactory(product=team.product, title="Driver app", team=mobile, status="at_risk")
    RoadmapItemFactory(product=team.product, title="Route replay", team=routing)
    link = ShareLinkFactory(
        product=team.product,
        view=RoadmapView.LIST,
        filters={"team": str(routing.pk), "status": Status.AT_RISK},
    )
    page = client.get(_shared_url(link.token)).content.decode()
    assert "Live ETA" in page
    assert "Driver app" not in page
    assert "Route replay" not in page


def test_public_page_shows_no_prd_bodies_members_or_summaries(team, client):
    RoadmapItemFactory(
        product=team.product, title="Live ETA", summary="Internal: margin plan for Acme renewal"
    )
    link = ShareLinkFactory(product=team.product, view=RoadmapView.LIST)
    page = client.get(_shared_url(link.token)).content.decode()
    assert "Live ETA" in page
    assert "margin plan" not in page
    for member in ("admin-user", "editor-user", "viewer-user", "contributor-user"):
        assert member not in page


@pytest.mark.parametrize("view", RoadmapView.values)
def test_a_link_of_one_product_never_shows_anything_of_another(team, client, view):
    other = ProductFactory(name="Borealis Secret Project")
    their_team = TeamFactory(product=other, name="Skunkworks")
    their_release = ReleaseFactory(product=other, name="Stealth launch")
    their_objective = ObjectiveFactory(product=other, title="Covert objective")
    RoadmapItemFactory(
        product=other, title="Hidden item", team=their_team, status="at_risk", lane=Lane.NOW
    )
    their_release.items.add(RoadmapItemFactory(product=other, title="Hidden release item"))
    routing = TeamFactory(product=team.product, name="Routing")
    RoadmapItemFactory(product=team.product, title="Live ETA", team=routing)
    leaks = [
        "Borealis",
        "Skunkworks",
        "Stealth launch",
        "Covert objective",
        "Hidden item",
        "Hidden release item",
    ]
    for filters in [
        {},
        {"status": "at_risk", "lane": "now"},
        {"team": str(their_team.pk)},
        {"release": str(their_release.pk)},
        {"objective": str(their_objective.pk)},
    ]:
        link = ShareLinkFactory(product=team.product, view=view, filters=filters)
        response = client.get(_shared_url(link.token))
        assert response.status_code == 200
        page = response.content.decode()
        for leak in leaks:
            assert leak not in page, (filters, leak)
        if not filters:
            assert "Live ETA" in page


def test_every_write_endpoint_refuses_anonymous_callers(team, client):
    """Walk the whole URL table: an anonymous POST (and PUT, PATCH, DELETE) to any address of
    the app is sent to sign in or refused, never carried out."""
    link = ShareLinkFactory(product=team.product)
    item = RoadmapItemFactory(product=team.product)
    ids = {
        "product_id": team.product.pk,
        "item_id": item.pk,
        "token": link.token,
    }
    # The sign-in forms answer an anonymous POST with the form again; they write nothing.
    sign_in = ("accounts/login/", "admin/")
    checked = 0
    for route in _routes(get_resolver()):
        if route.startswith(sign_in):
            continue
        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(ids.get(m.group(2), 1)), route)
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert not 200 <= response.status_code < 300, (method, url, response.status_code)
            if response.status_code in (301, 302):
                location = response["Location"]
                assert location.startswith(reverse("login")) or location == url + "/", url
        checked += 1
    assert checked > 20
    link.refresh_from_db()
    assert link.revoked_at is None
    assert link.version == 1


def _routes(resolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        elif isinstance(pattern, URLPattern) and "(?P" not in route and "^" not in route:
            yield route


@pytest.mark.parametrize("size", [5, 60])
def test_share_page_query_count_is_constant(team, client, django_assert_num_queries, size):
    routing = TeamFactory(product=team.product)
    objective = ObjectiveFactory(product=team.product)
    release = ReleaseFactory(product=team.product)
    items = RoadmapItemFactory.create_batch(size, product=team.product, team=routing)
    for blocker, blocked in itertools.pairwise(items):
        DependencyFactory(blocker=blocker, blocked=blocked)
    objective.items.set(items)
    release.items.set(items[::2])
    link = ShareLinkFactory(product=team.product, view=RoadmapView.TIMELINE)
    # the link (with its product) by its token hash, recording the visit, then the roadmap:
    # the items with their teams and evidence counts, the dependencies, the teams, the themes,
    # the releases
    with django_assert_num_queries(7):
        response = client.get(_shared_url(link.token))
    assert response.status_code == 200
    assert response.content.decode().count(items[0].title) >= 1


def test_visitors_cannot_change_what_a_link_covers_through_the_address(team, client):
    routing = TeamFactory(product=team.product, name="Routing")
    mobile = TeamFactory(product=team.product, name="Mobile")
    RoadmapItemFactory(product=team.product, title="Live ETA", team=routing)
    RoadmapItemFactory(product=team.product, title="Driver app", team=mobile)
    link = ShareLinkFactory(
        product=team.product, view=RoadmapView.LIST, filters={"team": str(routing.pk)}
    )
    for query in [{"team": ""}, {"team": mobile.pk}, {"q": "Driver"}, {"team": "", "lane": ""}]:
        page = client.get(_shared_url(link.token), query).content.decode()
        assert "Live ETA" in page, query
        assert "Driver app" not in page, query


@pytest.mark.parametrize("view", RoadmapView.values)
def test_odd_display_parameters_on_the_share_page_are_ignored(team, client, view):
    RoadmapItemFactory(product=team.product, title="Live ETA")
    link = ShareLinkFactory(product=team.product, view=view)
    response = client.get(
        _shared_url(link.token), {"zoom": "centuries", "group": "x" * 500, "sort": "-nope"}
    )
    assert response.status_code == 200
    assert "Live ETA" in response.content.decode()
