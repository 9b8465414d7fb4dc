"""The planning pages in the browser's terms: vision, objectives and key results, teams,
releases with the readiness gate, risks and insights. Access for every page and write endpoint,
read-only pages for viewers, bad input, stale saves and the query counts of the lists."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from products.models import Activity
from roadmaps.models import (
    ChecklistEntry,
    Insight,
    KeyResult,
    Objective,
    Release,
    ReleaseStatus,
    Risk,
    RoadmapItem,
    Status,
    Team,
    Vision,
)
from tests.factories import (
    DependencyFactory,
    InsightFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    ProductFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    TeamFactory,
)
from tests.roadmaps.pages import CALLERS, expected_status, log_in


@pytest.fixture
def plan(team):
    """The team's product with one of everything the planning pages show."""
    product = team.product
    routing = TeamFactory(product=product, name="Routing")
    item = RoadmapItemFactory(product=product, team=routing, title="Live ETAs")
    objective = ObjectiveFactory(product=product, title="Win regional carriers")
    key_result = KeyResultFactory(
        objective=objective, title="Weekly active fleets", target=120, current=40, unit="fleets"
    )
    release = ReleaseFactory(product=product, name="Spring release")
    release.items.add(item)
    ready = ReleaseFactory(product=product, name="Hotfix")
    ChecklistEntry.objects.filter(release=ready).update(done=True)
    risk = RiskFactory(product=product, title="Map vendor outage", owner=team.editor)
    risk.items.add(item)
    insight = InsightFactory(product=product, account="Nordic Freight")
    insight.items.add(item)
    return SimpleNamespace(
        product=product,
        team=routing,
        item=item,
        objective=objective,
        key_result=key_result,
        release=release,
        ready=ready,
        entry=release.checklist.get(kind="docs"),
        risk=risk,
        insight=insight,
    )


def _url(name: str, plan, *args) -> str:
    return reverse(f"roadmaps:{name}", args=[plan.product.pk, *args])


# --- Access -------------------------------------------------------------------------------------

PAGES = {
    "vision": lambda p: _url("vision", p),
    "vision field": lambda p: _url("vision-field", p, "statement"),
    "teams": lambda p: _url("teams", p),
    "releases": lambda p: _url("releases", p),
    "release": lambda p: _url("release", p, p.release.pk),
    "risks": lambda p: _url("risks", p),
    "insights": lambda p: _url("insights", p),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("page", PAGES)
def test_pages_are_readable_by_every_member_only(plan, team, client, caller, page):
    log_in(client, team, caller)
    response = client.get(PAGES[page](plan))
    assert response.status_code == expected_status(caller, "viewer", 200)


EDIT_FORMS = {
    "vision field editor": lambda p: _url("vision-field", p, "statement") + "?edit=1",
    "objective edit": lambda p: _url("objective-edit", p, p.objective.pk),
    "key result create": lambda p: _url("key-result-create", p, p.objective.pk),
    "key result edit": lambda p: _url("key-result-edit", p, p.key_result.pk),
    "team edit": lambda p: _url("team-edit", p, p.team.pk),
    "release create": lambda p: _url("release-create", p),
    "release edit": lambda p: _url("release-edit", p, p.release.pk),
    "risk create": lambda p: _url("risk-create", p),
    "risk edit": lambda p: _url("risk-edit", p, p.risk.pk),
    "insight create": lambda p: _url("insight-create", p),
    "insight edit": lambda p: _url("insight-edit", p, p.insight.pk),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("page", EDIT_FORMS)
def test_edit_forms_are_for_editors(plan, team, client, caller, page):
    log_in(client, team, caller)
    response = client.get(EDIT_FORMS[page](plan))
    assert response.status_code == expected_status(caller, "editor", 200)


def _item_ids(plan):
    return [plan.item.pk]


# write -> (url, valid POST data); every one needs the editor role and redirects on success.
WRITES = {
    "save vision field": (
        lambda p: _url("vision-field", p, "statement"),
        lambda p: {"value": "Every carrier plans in minutes.", "original": "", "version": 1},
    ),
    "create objective": (
        lambda p: _url("objective-create", p),
        lambda p: {"title": "Delight dispatchers", "description": ""},
    ),
    "edit objective": (
        lambda p: _url("objective-edit", p, p.objective.pk),
        lambda p: {"title": "Win carriers", "description": "", "version": 1},
    ),
    "delete objective": (
        lambda p: _url("objective-delete", p, p.objective.pk),
        lambda p: {"version": 1},
    ),
    "create key result": (
        lambda p: _url("key-result-create", p, p.objective.pk),
        lambda p: {"title": "NPS", "target": "50", "current": "20", "unit": ""},
    ),
    "edit key result": (
        lambda p: _url("key-result-edit", p, p.key_result.pk),
        lambda p: {"title": "Fleets", "target": "150", "current": "40", "unit": "", "version": 1},
    ),
    "update key result current": (
        lambda p: _url("key-result-current", p, p.key_result.pk),
        lambda p: {"current": "60", "version": 1},
    ),
    "delete key result": (
        lambda p: _url("key-result-delete", p, p.key_result.pk),
        lambda p: {"version": 1},
    ),
    "create team": (
        lambda p: _url("teams", p),
        lambda p: {"name": "Billing", "capacity_points": "20"},
    ),
    "edit team": (
        lambda p: _url("team-edit", p, p.team.pk),
        lambda p: {"name": "Routing core", "capacity_points": "25", "version": 1},
    ),
    "delete team": (lambda p: _url("team-delete", p, p.team.pk), lambda p: {"version": 1}),
    "create release": (
        lambda p: _url("release-create", p),
        lambda p: {"name": "Autumn", "date": "2031-10-01", "items": _item_ids(p)},
    ),
    "edit release": (
        lambda p: _url("release-edit", p, p.release.pk),
        lambda p: {"name": "Spring 2", "date": "2031-04-01", "items": [], "version": 1},
    ),
    "delete release": (
        lambda p: _url("release-delete", p, p.release.pk),
        lambda p: {"version": 1},
    ),
    "ship a ready release": (
        lambda p: _url("release-ship", p, p.ready.pk),
        lambda p: {"version": 1, "override_reason": ""},
    ),
    "tick a checklist entry": (
        lambda p: _url("checklist-entry", p, p.release.pk, p.entry.pk),
        lambda p: {"done": "on", "owner": "", "version": 1},
    ),
    "create risk": (
        lambda p: _url("risk-create", p),
        lambda p: {"title": "Churn", "likelihood": "2", "impact": "3", "status": "open"},
    ),
    "edit risk": (
        lambda p: _url("risk-edit", p, p.risk.pk),
        lambda p: {
            "title": "Outage",
            "likelihood": "2",
            "impact": "2",
            "status": "open",
            "version": 1,
        },
    ),
    "delete risk": (lambda p: _url("risk-delete", p, p.risk.pk), lambda p: {"version": 1}),
    "create insight": (
        lambda p: _url("insight-create", p),
        lambda p: {
            "account": "Acme",
            "source": "interview",
            "quote": "Yes.",
            "importance": "2",
            "captured_on": "2030-01-02",
        },
    ),
    "edit insight": (
        lambda p: _url("insight-edit", p, p.insight.pk),
        lambda p: {
            "account": "Acme",
            "source": "survey",
            "quote": "No.",
            "importance": "3",
            "captured_on": "2030-01-02",
            "version": 1,
        },
    ),
    "delete insight": (
        lambda p: _url("insight-delete", p, p.insight.pk),
        lambda p: {"version": 1},
    ),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("write", WRITES)
def test_writes_need_the_editor_role_and_change_nothing_otherwise(
    plan, team, client, caller, write
):
    log_in(client, team, caller)
    url, data = WRITES[write]
    logged_before = Activity.objects.count()
    response = client.post(url(plan), data(plan))
    expected = expected_status(caller, "editor", 302)
    assert response.status_code == expected, response.content[:500]
    if expected == 302 and caller != "anonymous":
        assert Activity.objects.count() > logged_before
    else:
        assert Activity.objects.count() == logged_before


@pytest.mark.parametrize("write", ["edit risk", "delete insight", "tick a checklist entry"])
def test_rows_of_another_product_are_not_found_through_this_one(plan, team, client, write):
    """A member of two products cannot reach product B's rows through product A's URLs."""
    other = ProductFactory()
    MembershipFactory(product=other, user=team.editor, role="editor")
    foreign_release = ReleaseFactory(product=other)
    foreign = SimpleNamespace(
        product=plan.product,
        risk=RiskFactory(product=other),
        insight=InsightFactory(product=other),
        release=foreign_release,
        entry=foreign_release.checklist.get(kind="docs"),
    )
    client.force_login(team.editor)
    url, data = WRITES[write]
    assert client.post(url(foreign), data(foreign)).status_code == 404


# --- Viewers see everything and can change nothing ------------------------------------------------

WRITE_MARKERS = [
    "hx-post",
    "Delete…",
    ">Edit<",
    "New release",
    "New risk",
    "Add evidence",
    "Add a team",
    "Add an objective",
    "Ship",
    "+ Add key result",
    "data-dialog-open",
]


@pytest.mark.parametrize("page", [name for name in PAGES if name != "vision field"])
def test_viewer_pages_have_no_write_controls(plan, team, client, page):
    client.force_login(team.viewer)
    html = client.get(PAGES[page](plan)).content.decode()
    # The only form that posts is the user menu's logout.
    assert html.count('method="post"') == 1
    for marker in WRITE_MARKERS:
        assert marker not in html, marker
    assert "Read-only" in html


def test_editor_sees_the_controls_the_viewer_does_not(plan, team, client):
    client.force_login(team.editor)
    vision = client.get(_url("vision", plan)).content.decode()
    assert 'aria-label="Edit vision statement"' in vision
    assert "Add an objective" in vision
    assert f'id="kr-current-{plan.key_result.pk}"' in vision
    release = client.get(_url("release", plan, plan.release.pk)).content.decode()
    assert "Ship release" in release
    assert f'id="checklist-done-{plan.entry.pk}"' in release
    # An editor is no admin: no override form.
    assert "Ship anyway" not in release


# --- Vision inline editing ---------------------------------------------------------------------


def _vision_post(client, plan, field, value, *, version, original, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        _url("vision-field", plan, field),
        {"value": value, "version": version, "original": original},
        **headers,
    )


def test_inline_vision_save_returns_the_field_and_announces_it(plan, team, client):
    client.force_login(team.editor)
    response = _vision_post(client, plan, "statement", "Plan in minutes.", version=1, original="")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section class="vision-field row-saved" id="vision-statement"')
    assert "Plan in minutes." in html and "Saved" in html
    assert "<html" not in html
    assert "Saved vision statement" in response["HX-Trigger"]
    assert Vision.objects.get(product=plan.product).statement == "Plan in minutes."


def test_inline_vision_editor_is_a_form_with_the_version(plan, team, client):
    client.force_login(team.editor)
    html = client.get(
        _url("vision-field", plan, "horizon_3y") + "?edit=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="vision-horizon_3y-input"' in html
    assert 'name="version" value="1"' in html
    assert "Esc cancels" in html


def test_stale_inline_save_of_the_same_field_shows_both_and_overwrites_nothing(plan, team, client):
    client.force_login(team.editor)
    _vision_post(client, plan, "statement", "Theirs.", version=1, original="")
    response = _vision_post(client, plan, "statement", "Mine.", version=1, original="")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in html
    assert "Theirs." in html and "Mine." in html
    assert 'name="version" value="2"' in html  # saving again is a choice against theirs
    assert Vision.objects.get(product=plan.product).statement == "Theirs."
    # "Save mine" from the conflict panel keeps mine knowingly.
    again = _vision_post(client, plan, "statement", "Mine.", version=2, original="Theirs.")
    assert again.status_code == 200
    assert Vision.objects.get(product=plan.product).statement == "Mine."


def test_stale_inline_save_of_another_field_is_merged(plan, team, client):
    client.force_login(team.editor)
    _vision_post(client, plan, "target_users", "Dispatchers.", version=1, original="")
    response = _vision_post(client, plan, "statement", "Mine.", version=1, original="")
    assert response.status_code == 200
    vision = Vision.objects.get(product=plan.product)
    assert (vision.statement, vision.target_users, vision.version) == ("Mine.", "Dispatchers.", 3)


def test_over_long_vision_text_is_refused_next_to_the_field(plan, team, client):
    client.force_login(team.editor)
    response = _vision_post(client, plan, "statement", "x" * 5001, version=1, original="")
    assert response.status_code == 400
    assert "vision-statement-error" in response.content.decode()
    assert Vision.objects.get(product=plan.product).statement == ""


def test_unknown_vision_field_is_not_found(plan, team, client):
    client.force_login(team.editor)
    response = _vision_post(client, plan, "product", "x", version=1, original="")
    assert response.status_code == 404


def test_vision_save_without_javascript_redirects_back(plan, team, client):
    client.force_login(team.editor)
    response = _vision_post(
        client, plan, "horizon_1y", "Ten carriers.", version=1, original="", htmx=False
    )
    assert response["Location"] == _url("vision", plan)


# --- Objectives and key results -----------------------------------------------------------------


def test_vision_page_shows_objectives_with_progress_bars(plan, team, client):
    client.force_login(team.viewer)
    html = client.get(_url("vision", plan)).content.decode()
    assert "Win regional carriers" in html
    assert '<progress max="100" value="33"' in html  # 40 of 120
    assert "style=" not in html


def test_empty_vision_explains_objectives(team, client):
    client.force_login(team.editor)
    html = client.get(reverse("roadmaps:vision", args=[team.product.pk])).content.decode()
    assert "No objectives yet" in html
    assert "why are we building this" in html


@pytest.mark.parametrize(
    ("title", "error"),
    [("", "This field is required."), ("x" * 201, "at most 200 characters")],
)
def test_bad_objective_title_is_refused_next_to_the_field(plan, team, client, title, error):
    client.force_login(team.editor)
    response = client.post(_url("objective-create", plan), {"title": title})
    assert response.status_code == 400
    assert error in " ".join(response.context["objective_form"].errors["title"])
    assert Objective.objects.filter(product=plan.product).count() == 1


def test_key_result_target_zero_is_refused(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("key-result-create", plan, plan.objective.pk),
        {"title": "Zero", "target": "0", "current": "0"},
    )
    assert response.status_code == 400
    assert "zero" in response.context["form"].errors["target"][0]
    assert KeyResult.objects.count() == 1


def test_key_result_current_updates_inline_and_returns_the_row(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("key-result-current", plan, plan.key_result.pk),
        {"current": "90", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="key-result-{plan.key_result.pk}"')
    assert 'value="75"' in html  # 90 of 120
    assert 'name="version" value="2"' in html
    assert KeyResult.objects.get(pk=plan.key_result.pk).current == Decimal(90)


def test_stale_key_result_update_says_so_and_keeps_theirs(plan, team, client):
    client.force_login(team.editor)
    url = _url("key-result-current", plan, plan.key_result.pk)
    client.post(url, {"current": "90", "version": 1}, HTTP_HX_REQUEST="true")
    response = client.post(url, {"current": "10", "version": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "someone changed this key result" in response.content.decode()
    assert KeyResult.objects.get(pk=plan.key_result.pk).current == Decimal(90)


def test_key_result_current_must_be_a_number(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("key-result-current", plan, plan.key_result.pk),
        {"current": "lots", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()


# --- Teams --------------------------------------------------------------------------------------


def test_duplicate_team_name_is_a_field_error(plan, team, client):
    client.force_login(team.editor)
    response = client.post(_url("teams", plan), {"name": "routing", "capacity_points": "5"})
    assert response.status_code == 400
    assert "already has a team" in response.context["form"].errors["name"][0]
    assert Team.objects.filter(product=plan.product).count() == 1


def test_deleting_a_team_keeps_its_items(plan, team, client):
    client.force_login(team.editor)
    client.post(_url("team-delete", plan, plan.team.pk), {"version": 1})
    assert not Team.objects.filter(pk=plan.team.pk).exists()
    assert RoadmapItem.objects.get(pk=plan.item.pk).team is None


def test_team_list_shows_capacity_and_item_count(plan, team, client):
    client.force_login(team.viewer)
    html = client.get(_url("teams", plan)).content.decode()
    assert "Routing" in html
    assert '<td class="num">30</td>' in html
    assert f'?team={plan.team.pk}">1</a>' in html


# --- Releases and the readiness gate ------------------------------------------------------------


def test_release_list_summarises_readiness(plan, team, client):
    blocker = RoadmapItemFactory(product=plan.product, status=Status.IN_PROGRESS)
    DependencyFactory(blocker=blocker, blocked=plan.item)
    ChecklistEntry.objects.filter(release=plan.release, kind="docs").update(done=True)
    client.force_login(team.viewer)
    html = client.get(_url("releases", plan)).content.decode()
    assert "1 of 4 checklist done" in html
    assert "1 blocker" in html
    assert "Ready to ship" in html  # the hotfix


def test_release_items_of_another_product_are_refused(plan, team, client):
    foreign = RoadmapItemFactory(product=ProductFactory())
    client.force_login(team.editor)
    response = client.post(
        _url("release-create", plan),
        {"name": "Sneaky", "date": "2031-01-01", "items": [foreign.pk]},
    )
    assert response.status_code == 400
    assert "valid choice" in response.context["form"].errors["items"][0]
    assert not Release.objects.filter(name="Sneaky").exists()


def test_release_with_a_bad_date_is_refused(plan, team, client):
    client.force_login(team.editor)
    response = client.post(_url("release-create", plan), {"name": "X", "date": "2031-02-30"})
    assert response.status_code == 400
    assert "date" in response.context["form"].errors


def test_checklist_tick_returns_the_checklist_and_the_readiness(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("checklist-entry", plan, plan.release.pk, plan.entry.pk),
        {"done": "on", "owner": team.contributor.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section class="card" id="release-checklist"')
    assert f'<tr id="checklist-{plan.entry.pk}" class="is-done row-saved">' in html
    assert 'id="release-readiness"' in html and 'hx-swap-oob="true"' in html
    assert "Documentation is not done" not in html
    entry = ChecklistEntry.objects.get(pk=plan.entry.pk)
    assert (entry.done, entry.owner) == (True, team.contributor)


def test_checklist_owner_must_be_a_member(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("checklist-entry", plan, plan.release.pk, plan.entry.pk),
        {"done": "on", "owner": team.outsider.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert ChecklistEntry.objects.get(pk=plan.entry.pk).done is False


def test_stale_checklist_tick_shows_theirs_and_yours(plan, team, client):
    client.force_login(team.editor)
    url = _url("checklist-entry", plan, plan.release.pk, plan.entry.pk)
    client.post(url, {"done": "on", "owner": "", "version": 1}, HTTP_HX_REQUEST="true")
    response = client.post(url, {"owner": team.viewer.pk, "version": 1}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Theirs: done, no owner" in html
    assert "yours: open" in html
    entry = ChecklistEntry.objects.get(pk=plan.entry.pk)
    assert (entry.done, entry.owner) == (True, None)


def test_editor_cannot_ship_an_unready_release_and_sees_why(plan, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("release-ship", plan, plan.release.pk), {"version": 1, "override_reason": "now"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Not shipped: the release is not ready" in html
    assert "Documentation is not done." in html
    assert "Ship anyway" not in html
    assert Release.objects.get(pk=plan.release.pk).status == ReleaseStatus.PLANNED


def test_admin_override_needs_a_reason_and_is_logged(plan, team, client):
    client.force_login(team.admin)
    url = _url("release-ship", plan, plan.release.pk)
    page = client.get(_url("release", plan, plan.release.pk)).content.decode()
    assert "Ship anyway" in page and "Reason to ship anyway" in page

    refused = client.post(url, {"version": 1, "override_reason": "  "})
    assert refused.status_code == 400
    assert "say why it ships anyway" in refused.context["ship_form"].errors["override_reason"][0]
    assert Release.objects.get(pk=plan.release.pk).status == ReleaseStatus.PLANNED

    shipped = client.post(url, {"version": 1, "override_reason": "Contractual date."})
    assert shipped.status_code == 302
    release = Release.objects.get(pk=plan.release.pk)
    assert (release.status, release.override_reason) == ("shipped", "Contractual date.")
    entry = Activity.objects.get(verb="shipped with override")
    assert entry.changes["override_reason"]["to"] == "Contractual date."
    assert "Documentation is not done." in entry.changes["overridden"]["to"]

    html = client.get(_url("release", plan, plan.release.pk)).content.decode()
    assert "Shipped with an override" in html
    assert "Contractual date." in html
    assert "shipped with override" in html  # the release's own activity


def test_ready_release_ships_for_an_editor(plan, team, client):
    client.force_login(team.editor)
    response = client.post(_url("release-ship", plan, plan.ready.pk), {"version": 1})
    assert response.status_code == 302
    assert Release.objects.get(pk=plan.ready.pk).shipped_at is not None
    html = client.get(_url("release", plan, plan.ready.pk)).content.decode()
    assert "Shipped on" in html
    assert "Ship release" not in html


def test_stale_ship_is_refused_with_a_conflict(plan, team, client):
    client.force_login(team.editor)
    Release.objects.filter(pk=plan.ready.pk).update(version=2)
    response = client.post(_url("release-ship", plan, plan.ready.pk), {"version": 1})
    assert response.status_code == 409
    assert "changed while you were looking at it" in response.content.decode()
    assert Release.objects.get(pk=plan.ready.pk).status == ReleaseStatus.PLANNED


def test_release_page_flags_late_items(plan, team, client):
    blocker = RoadmapItemFactory(
        product=plan.product,
        start_date=plan.item.start_date,
        end_date=plan.item.start_date + datetime.timedelta(days=5),
    )
    DependencyFactory(blocker=blocker, blocked=plan.item)
    Release.objects.filter(pk=plan.release.pk).update(date=plan.item.start_date)
    client.force_login(team.viewer)
    html = client.get(_url("release", plan, plan.release.pk)).content.decode()
    assert "Late blocker" in html
    assert "Ends after release" in html


# --- Risks --------------------------------------------------------------------------------------


def _risk_data(**overrides):
    data = {"title": "Vendor lock-in", "likelihood": "3", "impact": "4", "status": "open"}
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"likelihood": "7"}, "likelihood"),
        ({"impact": "0"}, "impact"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "forgotten"}, "status"),
    ],
)
def test_bad_risk_input_is_refused_next_to_the_field(plan, team, client, overrides, field):
    client.force_login(team.editor)
    response = client.post(_url("risk-create", plan), _risk_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Risk.objects.count() == 1


def test_risk_owner_must_be_a_member(plan, team, client):
    client.force_login(team.editor)
    response = client.post(_url("risk-create", plan), _risk_data(owner=team.outsider.pk))
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors


def test_risk_links_of_another_product_are_refused(plan, team, client):
    other = ProductFactory()
    client.force_login(team.editor)
    response = client.post(
        _url("risk-create", plan),
        _risk_data(
            items=[RoadmapItemFactory(product=other).pk],
            releases=[ReleaseFactory(product=other).pk],
        ),
    )
    assert response.status_code == 400
    assert {"items", "releases"} <= set(response.context["form"].errors)


def test_risk_register_is_sorted_by_score_and_filters_by_status(plan, team, client):
    RiskFactory(product=plan.product, title="Big one", likelihood=5, impact=4)
    RiskFactory(product=plan.product, title="Closed one", likelihood=5, impact=5, status="closed")
    client.force_login(team.viewer)
    html = client.get(_url("risks", plan)).content.decode()
    assert html.index("Closed one") < html.index("Big one") < html.index("Map vendor outage")
    assert '<span class="badge badge-severity badge-severity-high">High</span>' in html
    assert "Risks by likelihood × impact" in html
    open_only = client.get(_url("risks", plan) + "?status=open").content.decode()
    assert "Closed one" not in open_only and "Big one" in open_only


def test_stale_risk_edit_of_the_same_field_shows_the_conflict(plan, team, client):
    client.force_login(team.editor)
    url = _url("risk-edit", plan, plan.risk.pk)
    form = client.get(url).context["form"]
    original = form.initial["original"]
    base = _risk_data(version=1, original=original, likelihood="2", impact="2")
    client.post(url, {**base, "title": "Theirs"})
    response = client.post(url, {**base, "title": "Mine"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in html
    assert "Theirs" in html and "Mine" in html
    assert Risk.objects.get(pk=plan.risk.pk).title == "Theirs"
    assert response.context["form"]["version"].value() == 2


def test_stale_risk_edit_of_another_field_is_merged(plan, team, client):
    client.force_login(team.editor)
    url = _url("risk-edit", plan, plan.risk.pk)
    original = client.get(url).context["form"].initial["original"]
    shown = json.loads(original)
    base = {**shown, "version": 1, "original": original}
    client.post(url, {**base, "mitigation": "Second vendor."})
    response = client.post(url, {**base, "impact": "5"})
    assert response.status_code == 302
    risk = Risk.objects.get(pk=plan.risk.pk)
    assert (risk.mitigation, risk.impact, risk.version) == ("Second vendor.", 5, 3)
    assert list(risk.items.all()) == [plan.item]


# --- Insights -----------------------------------------------------------------------------------


def test_insights_filter_by_item(plan, team, client):
    InsightFactory(product=plan.product, account="Unlinked Ltd")
    client.force_login(team.viewer)
    everything = client.get(_url("insights", plan)).content.decode()
    assert "Nordic Freight" in everything and "Unlinked Ltd" in everything
    filtered = client.get(_url("insights", plan) + f"?item={plan.item.pk}").content.decode()
    assert "Nordic Freight" in filtered and "Unlinked Ltd" not in filtered
    foreign = RoadmapItemFactory(product=ProductFactory())
    nothing = client.get(_url("insights", plan) + f"?item={foreign.pk}").content.decode()
    assert "No evidence for this item" in nothing


def test_insight_items_of_another_product_are_refused(plan, team, client):
    foreign = RoadmapItemFactory(product=ProductFactory())
    client.force_login(team.editor)
    response = client.post(
        _url("insight-create", plan),
        {
            "account": "Acme",
            "source": "interview",
            "quote": "Q",
            "importance": "2",
            "captured_on": "2030-01-01",
            "items": [foreign.pk],
        },
    )
    assert response.status_code == 400
    assert "items" in response.context["form"].errors
    assert Insight.objects.count() == 1


# --- Query counts -------------------------------------------------------------------------------


def _grow(plan, n: int) -> None:
    """Add ``n`` more rows of everything the list pages show, each with its links."""
    for i in range(n):
        team_row = TeamFactory(product=plan.product)
        item = RoadmapItemFactory(product=plan.product, team=team_row)
        objective = ObjectiveFactory(product=plan.product)
        KeyResultFactory(objective=objective)
        release = ReleaseFactory(product=plan.product)
        release.items.add(item)
        blocker = RoadmapItemFactory(product=plan.product, status=Status.IN_PROGRESS)
        DependencyFactory(blocker=blocker, blocked=item)
        risk = RiskFactory(
            product=plan.product,
            owner=plan.product.memberships.first().user,
            likelihood=5,
            impact=2 + i % 3,
        )
        risk.items.add(item)
        risk.releases.add(release)
        insight = InsightFactory(product=plan.product)
        insight.items.add(item, blocker)


# Every page starts with: the session, the user, the membership with its product and the
# product switcher's list (4).
LIST_PAGE_QUERIES = {
    # + vision (get_or_create: 1), objectives, their key results
    "vision": 7,
    # + teams with their item counts
    "teams": 5,
    # + releases with counts, then the readiness gate's four: items per release, unfinished
    #   blockers, open checklist entries, open high risks with their links
    "releases": 9,
    # + risks with owners, their items, their releases
    "risks": 7,
    # + the items for the filter, insights, their items
    "insights": 7,
}


@pytest.mark.parametrize("page", LIST_PAGE_QUERIES)
@pytest.mark.parametrize("extra_rows", [0, 6])
def test_list_pages_query_count_does_not_grow_with_rows(
    plan, team, client, django_assert_num_queries, page, extra_rows
):
    _grow(plan, extra_rows)
    client.force_login(team.editor)
    url = PAGES[page](plan)
    client.get(url)  # the vision row is created on the first visit
    with django_assert_num_queries(LIST_PAGE_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200
