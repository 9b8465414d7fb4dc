import pytest

from products.models import Activity, Membership, Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def admin_api(team):
    return client_for(team.admin, token_scope="write")


def members_url(team, membership=None) -> str:
    base = f"/api/v1/products/{team.product.pk}/members/"
    return f"{base}{membership.pk}/" if membership else base


def test_add_member_by_email_case_insensitively(team, admin_api):
    UserFactory(username="dana", email="Dana.Whit@Example.com")
    response = admin_api.post(
        members_url(team), {"user": "dana.whit@example.com", "role": "editor"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "dana"
    assert body["role"] == "editor"
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"user": "nobody", "role": "viewer"}, "user"),
        ({"user": "viewer-user", "role": "viewer"}, "user"),  # already a member
        ({"user": "", "role": "viewer"}, "user"),
        ({"user": "outsider", "role": "owner"}, "role"),
    ],
)
def test_add_member_bad_input_is_a_field_error(team, admin_api, payload, field):
    before = Membership.objects.count()
    response = admin_api.post(members_url(team), payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Membership.objects.count() == before


def test_member_list_is_paginated_and_needs_constant_queries(
    team, admin_api, django_assert_num_queries
):
    for _ in range(6):
        MembershipFactory(product=team.product)
    admin_api.get("/api/v1/me/")  # first use writes last_used_at
    # token lookup, product membership check, one page of members joined to their users
    with django_assert_num_queries(3):
        response = admin_api.get(members_url(team))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 10


def test_change_role_needs_current_version(team, admin_api):
    viewer = team.membership("viewer")
    assert admin_api.patch(members_url(team, viewer), {"role": "editor"}).status_code == 428
    ok = admin_api.patch(members_url(team, viewer), {"role": "editor"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert ok.json()["role"] == "editor"
    stale = admin_api.patch(members_url(team, viewer), {"role": "admin"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["role"] == "editor"
    assert Membership.objects.get(pk=viewer.pk).role == Role.EDITOR


def test_last_admin_cannot_be_demoted_or_removed(team, admin_api):
    admin = team.membership("admin")
    demote = admin_api.patch(members_url(team, admin), {"role": "editor"}, HTTP_IF_MATCH='"1"')
    assert demote.status_code == 400
    assert "last admin" in demote.json()["error"]["fields"]["role"][0]
    remove = admin_api.delete(members_url(team, admin), HTTP_IF_MATCH='"1"')
    assert remove.status_code == 400
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_an_admin_can_step_down_once_another_admin_exists(team, admin_api):
    editor = team.membership("editor")
    admin = team.membership("admin")
    admin_api.patch(members_url(team, editor), {"role": "admin"}, HTTP_IF_MATCH='"1"')
    response = admin_api.patch(members_url(team, admin), {"role": "viewer"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200


def test_removed_member_loses_access_at_once(team, admin_api):
    viewer = team.membership("viewer")
    viewer_api = client_for(team.viewer, token_scope="read")
    product_url = f"/api/v1/products/{team.product.pk}/"
    assert viewer_api.get(product_url).status_code == 200
    assert admin_api.delete(members_url(team, viewer), HTTP_IF_MATCH='"1"').status_code == 204
    assert viewer_api.get(product_url).status_code == 404


def test_member_changes_are_in_the_activity_log_as_api(team, admin_api):
    UserFactory(username="dana")
    admin_api.post(members_url(team), {"user": "dana", "role": "viewer"})
    viewer = team.membership("viewer")
    admin_api.patch(members_url(team, viewer), {"role": "contributor"}, HTTP_IF_MATCH='"1"')
    entries = Activity.objects.filter(product=team.product).order_by("id")
    assert [(e.verb, e.channel, e.actor_id) for e in entries] == [
        ("added", "api", team.admin.pk),
        ("changed role of", "api", team.admin.pk),
    ]
    assert entries[1].changes == {"role": {"from": "viewer", "to": "contributor"}}
    assert entries[0].via.startswith("token")


def test_member_of_another_product_is_404(team, admin_api):
    stranger = MembershipFactory()
    response = admin_api.get(f"/api/v1/products/{team.product.pk}/members/{stranger.pk}/")
    assert response.status_code == 404


def test_patch_member_with_only_a_version_changes_nothing(team, admin_api):
    viewer = team.membership("viewer")
    response = admin_api.patch(members_url(team, viewer), {"version": 1})
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert response.json()["version"] == 1


def test_ids_too_large_for_the_database_are_plain_404s(team, admin_api):
    huge = "9" * 30
    assert admin_api.get(f"/api/v1/products/{huge}/").status_code == 404
    assert admin_api.get(f"/api/v1/products/{huge}/members/").status_code == 404
