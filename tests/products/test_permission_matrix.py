"""Every page and endpoint × every kind of caller: the exact status each one gets.

A non-member learns nothing (404), a role too low is refused (403), an anonymous caller is
sent to sign in (pages) or gets 401 (API); tokens narrow what their user may do.
"""

import pytest
from django.urls import reverse

from products.models import Membership, Product, Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory, UserFactory

ROLES = ["admin", "editor", "contributor", "viewer"]
CALLERS = [*ROLES, "outsider", "anonymous"]


def _expected(caller: str, minimum: str, ok: int) -> int:
    if caller == "anonymous":
        return 401
    if caller == "outsider":
        return 404
    return ok if ROLES.index(caller) <= ROLES.index(minimum) else 403


def _api_call(client, team, operation: str):
    product = team.product
    viewer = team.membership("viewer")
    version = {"HTTP_IF_MATCH": '"1"'}
    calls = {
        "list products": lambda: client.get("/api/v1/products/"),
        "read product": lambda: client.get(f"/api/v1/products/{product.pk}/"),
        "update product": lambda: client.patch(
            f"/api/v1/products/{product.pk}/", {"name": "Renamed"}, **version
        ),
        "delete product": lambda: client.delete(f"/api/v1/products/{product.pk}/", **version),
        "list members": lambda: client.get(f"/api/v1/products/{product.pk}/members/"),
        "read member": lambda: client.get(f"/api/v1/products/{product.pk}/members/{viewer.pk}/"),
        "add member": lambda: client.post(
            f"/api/v1/products/{product.pk}/members/", {"user": "newcomer", "role": "viewer"}
        ),
        "change member role": lambda: client.patch(
            f"/api/v1/products/{product.pk}/members/{viewer.pk}/", {"role": "editor"}, **version
        ),
        "remove member": lambda: client.delete(
            f"/api/v1/products/{product.pk}/members/{viewer.pk}/", **version
        ),
        "me": lambda: client.get("/api/v1/me/"),
    }
    return calls[operation]()


# operation -> (minimum role, success status)
API_OPERATIONS = {
    "read product": ("viewer", 200),
    "update product": ("editor", 200),
    "delete product": ("admin", 204),
    "list members": ("viewer", 200),
    "read member": ("viewer", 200),
    "add member": ("admin", 201),
    "change member role": ("admin", 200),
    "remove member": ("admin", 204),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", API_OPERATIONS)
def test_api_role_matrix(team, caller, operation):
    UserFactory(username="newcomer")
    user = None if caller == "anonymous" else team.user(caller)
    response = _api_call(client_for(user), team, operation)
    minimum, ok = API_OPERATIONS[operation]
    assert response.status_code == _expected(caller, minimum, ok), response.content


@pytest.mark.parametrize("caller", CALLERS)
def test_api_product_list_and_me_need_only_a_login(team, caller):
    user = None if caller == "anonymous" else team.user(caller)
    client = client_for(user)
    expected = 401 if caller == "anonymous" else 200
    assert _api_call(client, team, "list products").status_code == expected
    assert _api_call(client, team, "me").status_code == expected


@pytest.mark.parametrize("operation", API_OPERATIONS)
def test_read_token_of_an_admin_can_read_but_never_write(team, operation):
    UserFactory(username="newcomer")
    client = client_for(team.admin, token_scope="read")
    response = _api_call(client, team, operation)
    minimum, ok = API_OPERATIONS[operation]
    expected = ok if minimum == "viewer" else 403
    assert response.status_code == expected, response.content
    assert Product.objects.filter(pk=team.product.pk, name="Atlas Fleet Platform").exists()


@pytest.mark.parametrize("operation", API_OPERATIONS)
def test_token_limited_to_another_product_sees_nothing_of_this_one(team, operation):
    UserFactory(username="newcomer")
    elsewhere = ProductFactory(name="Elsewhere")
    MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
    client = client_for(team.admin, token_scope="write", token_product=elsewhere)
    assert _api_call(client, team, operation).status_code == 404


def test_token_limited_to_a_product_lists_only_that_product(team):
    elsewhere = ProductFactory(name="Elsewhere")
    MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
    client = client_for(team.admin, token_scope="write", token_product=elsewhere)
    names = [item["name"] for item in client.get("/api/v1/products/").json()["results"]]
    assert names == ["Elsewhere"]
    me = client.get("/api/v1/me/").json()
    assert [m["product_name"] for m in me["memberships"]] == ["Elsewhere"]
    assert client.post("/api/v1/products/", {"name": "Sneaky"}).status_code == 403


# --- Pages ------------------------------------------------------------------------------


def _page_call(client, team, operation: str):
    product = team.product
    viewer = team.membership("viewer")
    calls = {
        "overview": lambda: client.get(reverse("products:detail", args=[product.pk])),
        "members": lambda: client.get(reverse("products:members", args=[product.pk])),
        "activity": lambda: client.get(reverse("products:activity", args=[product.pk])),
        "settings": lambda: client.get(reverse("products:settings", args=[product.pk])),
        "save settings": lambda: client.post(
            reverse("products:settings", args=[product.pk]),
            {"name": "Renamed", "description": "", "version": 1},
        ),
        "delete product": lambda: client.post(
            reverse("products:delete", args=[product.pk]), {"version": 1}
        ),
        "add member": lambda: client.post(
            reverse("products:members", args=[product.pk]), {"user": "newcomer", "role": "viewer"}
        ),
        "change member role": lambda: client.post(
            reverse("products:member-role", args=[product.pk, viewer.pk]),
            {"role": "editor", "version": 1},
        ),
        "remove member": lambda: client.post(
            reverse("products:member-remove", args=[product.pk, viewer.pk]), {"version": 1}
        ),
    }
    return calls[operation]()


PAGE_OPERATIONS = {
    "overview": ("viewer", 200),
    "members": ("viewer", 200),
    "activity": ("viewer", 200),
    "settings": ("editor", 200),
    "save settings": ("editor", 302),
    "delete product": ("admin", 302),
    "add member": ("admin", 302),
    "change member role": ("admin", 302),
    "remove member": ("admin", 302),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", PAGE_OPERATIONS)
def test_page_role_matrix(team, client, caller, operation):
    UserFactory(username="newcomer")
    if caller != "anonymous":
        client.force_login(team.user(caller))
    response = _page_call(client, team, operation)
    minimum, ok = PAGE_OPERATIONS[operation]
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == _expected(caller, minimum, ok)


@pytest.mark.parametrize("caller", ["contributor", "viewer", "outsider"])
def test_refused_page_writes_change_nothing(team, client, caller):
    UserFactory(username="newcomer")
    client.force_login(team.user(caller))
    for operation in ["save settings", "delete product", "add member", "change member role"]:
        _page_call(client, team, operation)
    product = Product.objects.get(pk=team.product.pk)
    assert (product.name, product.version) == ("Atlas Fleet Platform", 1)
    assert not Membership.objects.filter(user__username="newcomer").exists()
    assert team.membership("viewer").role == Role.VIEWER
