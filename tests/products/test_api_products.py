import pytest

from products.models import Activity, Membership, Product, Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory


@pytest.fixture
def editor_api(team):
    return client_for(team.editor, token_scope="write")


def test_create_product_makes_the_caller_its_admin(db, team):
    client = client_for(team.outsider, token_scope="write")
    response = client.post(
        "/api/v1/products/", {"name": "  Atlas Billing  ", "description": "Invoices."}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Atlas Billing"
    assert body["role"] == "admin"
    assert body["version"] == 1
    assert response["ETag"] == '"1-admin"'
    assert body["html_url"] == f"http://testserver/products/{body['id']}/"
    assert response["Location"] == f"/api/v1/products/{body['id']}/"
    assert Membership.objects.get(product_id=body["id"], user=team.outsider).role == Role.ADMIN


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 121}, "name")],
)
def test_create_product_with_bad_input_gets_field_errors(team, payload, field):
    client = client_for(team.admin, token_scope="write")
    response = client.post("/api/v1/products/", payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Product.objects.count() == 2  # the team's product and the outsider's


def test_malformed_json_is_a_400_in_the_error_shape(team):
    client = client_for(team.admin, token_scope="write")
    response = client.generic(
        "POST", "/api/v1/products/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_product_detail_carries_etag_and_answers_304_when_unchanged(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    first = editor_api.get(url)
    assert first.status_code == 200
    assert first["ETag"] == '"1-editor"'
    again = editor_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert editor_api.get(url, HTTP_IF_NONE_MATCH=f'"0-x", W/{first["ETag"]}').status_code == 304


def test_a_cached_product_is_not_revalidated_after_the_callers_role_changed(team):
    url = f"/api/v1/products/{team.product.pk}/"
    client = client_for(team.contributor, token_scope="read")
    etag = client.get(url)["ETag"]
    Membership.objects.filter(product=team.product, user=team.contributor).update(role="editor")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["role"] == "editor"


def test_the_etag_read_is_accepted_as_if_match(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    etag = editor_api.get(url)["ETag"]
    assert editor_api.patch(url, {"name": "Echoed"}, HTTP_IF_MATCH=etag).status_code == 200


def test_update_with_if_match_saves_and_bumps_version(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.patch(url, {"name": "Atlas Fleet"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2-editor"'
    assert response.json()["name"] == "Atlas Fleet"
    assert Product.objects.get(pk=team.product.pk).version == 2


def test_update_with_version_field_instead_of_header(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.patch(url, {"description": "New", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_update_without_if_match_is_428_and_changes_nothing(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.patch(url, {"name": "Blind write"})
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    assert Product.objects.get(pk=team.product.pk).name == "Atlas Fleet Platform"


def test_stale_if_match_is_412_with_the_current_representation(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    assert editor_api.patch(url, {"name": "First"}, HTTP_IF_MATCH='"1"').status_code == 200
    stale = editor_api.patch(url, {"name": "Second"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    body = stale.json()
    assert body["error"]["code"] == "precondition_failed"
    assert body["current"]["name"] == "First"
    assert body["current"]["version"] == 2
    assert Product.objects.get(pk=team.product.pk).name == "First"


@pytest.mark.parametrize("if_match", ['"abc"', '"0"', "*", '""'])
def test_unusable_if_match_is_refused_without_writing(team, editor_api, if_match):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.patch(url, {"name": "Nope"}, HTTP_IF_MATCH=if_match)
    assert response.status_code in {400, 428}
    assert "error" in response.json()
    assert Product.objects.get(pk=team.product.pk).name == "Atlas Fleet Platform"


def test_weak_etag_is_accepted(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.patch(url, {"name": "Weak"}, HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200


def test_put_needs_the_whole_representation(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/"
    response = editor_api.put(url, {"description": "only this"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_delete_needs_if_match_and_then_removes_everything(team):
    admin = client_for(team.admin, token_scope="write")
    url = f"/api/v1/products/{team.product.pk}/"
    assert admin.delete(url).status_code == 428
    assert admin.delete(url, HTTP_IF_MATCH='"7"').status_code == 412
    assert admin.delete(url, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Product.objects.filter(pk=team.product.pk).exists()
    assert not Membership.objects.filter(product_id=team.product.pk).exists()
    assert Activity.objects.filter(verb="deleted", target_repr="Atlas Fleet Platform").exists()


def test_product_list_filters_by_name_and_role(team):
    other = ProductFactory(name="Driver App")
    MembershipFactory(product=other, user=team.editor, role=Role.ADMIN)
    client = client_for(team.editor, token_scope="read")
    by_name = client.get("/api/v1/products/", {"name": "driver"}).json()["results"]
    assert [p["name"] for p in by_name] == ["Driver App"]
    by_role = client.get("/api/v1/products/", {"role": "editor"}).json()["results"]
    assert [p["name"] for p in by_role] == ["Atlas Fleet Platform"]
    bad = client.get("/api/v1/products/", {"role": "overlord"})
    assert bad.status_code == 400
    assert "role" in bad.json()["error"]["fields"]


def test_product_list_pages_with_a_cursor(team):
    for index in range(5):
        MembershipFactory(product=ProductFactory(name=f"P{index}"), user=team.viewer)
    client = client_for(team.viewer, token_scope="read")
    first = client.get("/api/v1/products/", {"page_size": 4}).json()
    assert len(first["results"]) == 4
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    seen = {p["id"] for p in first["results"]} | {p["id"] for p in second["results"]}
    assert len(seen) == 6
    assert client.get("/api/v1/products/", {"cursor": "garbage"}).status_code == 400


def test_a_forged_cursor_is_a_400_not_a_crash(team):
    import base64

    client = client_for(team.viewer, token_scope="read")
    forged = base64.b64encode(b"p=abc").decode()
    for url in ["/api/v1/products/", f"/api/v1/products/{team.product.pk}/members/"]:
        response = client.get(url, {"cursor": forged})
        assert response.status_code == 400
        assert "cursor" in response.json()["error"]["fields"]


def test_page_size_is_capped_at_100(team):
    products = Product.objects.bulk_create(Product(name=f"P{index}") for index in range(105))
    Membership.objects.bulk_create(Membership(product=p, user=team.viewer) for p in products)
    client = client_for(team.viewer, token_scope="read")
    response = client.get("/api/v1/products/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None


def test_product_list_query_count_is_constant(team, django_assert_num_queries):
    for index in range(10):
        MembershipFactory(product=ProductFactory(name=f"P{index}"), user=team.viewer)
    client = client_for(team.viewer, token_scope="read")
    client.get("/api/v1/me/")  # first use writes last_used_at; later requests within a minute don't
    # 1 token lookup (with its user), 1 page of products with the caller's role from the same join.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/products/")
    assert len(response.json()["results"]) == 11


def test_unknown_api_path_is_json_404(team):
    client = client_for(team.viewer, token_scope="read")
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_invalid_token_is_401_with_bearer_challenge(db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer lsr_not-a-real-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_failed"
