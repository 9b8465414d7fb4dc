"""API contracts through the API: attached, validated (refusals name the validator's message and
line), revised, listed as endpoints, and compared for breaking changes."""

import json

import pytest

from prds.models import ApiContract, ApiContractRevision
from tests.conftest import client_for
from tests.factories import MINIMAL_CONTRACT, ContractFactory, PrdFactory

WITHOUT_PLATE = MINIMAL_CONTRACT.replace("                    plate: {type: string}\n", "")


@pytest.fixture
def editor_api(team):
    return client_for(team.editor, token_scope="write")


@pytest.fixture
def prd(team):
    return PrdFactory(product=team.product, owner=team.editor)


def _document_error(response) -> str:
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["document"], fields
    return fields["document"][0]


def _create(client, prd, document, name="Fleet API"):
    return client.post(
        "/api/v1/api-contracts/", {"prd": prd.pk, "name": name, "document": document}
    )


def test_editor_attaches_a_yaml_contract_listed_as_endpoints(team, editor_api, prd):
    response = _create(editor_api, prd, MINIMAL_CONTRACT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["format"] == "yaml"
    assert body["revision"] == 1
    assert body["document"] == MINIMAL_CONTRACT
    assert body["breaking_changes"] == []
    [endpoint] = body["endpoints"]
    assert (endpoint["method"], endpoint["path"], endpoint["summary"]) == (
        "GET",
        "/vehicles",
        "List vehicles",
    )
    fields = {field["name"] for field in endpoint["responses"][0]["fields"]}
    assert fields == {"[].id", "[].plate"} or {"id", "plate"} <= {
        name.rsplit(".", 1)[-1] for name in fields
    }
    assert body["html_url"].endswith(f"/prds/{prd.pk}/contracts/{body['id']}/")
    assert response["Location"] == f"/api/v1/api-contracts/{body['id']}/"
    listed = editor_api.get("/api/v1/api-contracts/", {"prd": prd.pk}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "document" not in listed[0]
    assert editor_api.get(f"/api/v1/api-contracts/{body['id']}/").json() == body


def test_a_json_contract_is_accepted(team, editor_api, prd):
    document = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "ETA", "version": "1"},
            "paths": {"/eta": {"get": {"responses": {"200": {"description": "ok"}}}}},
        },
        indent=2,
    )
    response = _create(editor_api, prd, document)
    assert response.status_code == 201, response.content
    assert response.json()["format"] == "json"


def test_invalid_yaml_is_refused_with_its_line(team, editor_api, prd):
    document = "openapi: 3.0.3\ninfo:\n  title: [unclosed\n  version: '1'\npaths: {}\n"
    message = _document_error(_create(editor_api, prd, document))
    assert message.startswith("Line ")
    assert not ApiContract.objects.exists()


def test_an_openapi_2_document_is_refused(team, editor_api, prd):
    document = 'swagger: "2.0"\ninfo: {title: Old, version: "1"}\npaths: {}\n'
    message = _document_error(_create(editor_api, prd, document))
    assert "Swagger" in message
    assert "OpenAPI 3" in message
    assert message.startswith("Line 1:")
    assert not ApiContract.objects.exists()


def test_an_invalid_openapi_3_document_gets_the_validators_message_and_line(team, editor_api, prd):
    document = MINIMAL_CONTRACT.replace('        "200":\n', '        "200":\n          bogus: 1\n')
    message = _document_error(_create(editor_api, prd, document))
    assert message.startswith("Line ")
    assert not ApiContract.objects.exists()


@pytest.mark.parametrize("megabytes", [1.5, 5])
def test_a_contract_over_1_mb_is_refused(team, editor_api, prd, megabytes):
    padding = ("# " + "x" * 98 + "\n") * int(megabytes * 10_000)
    message = _document_error(_create(editor_api, prd, MINIMAL_CONTRACT + padding))
    assert "1 MB" in message
    assert not ApiContract.objects.exists()


def test_a_contract_name_is_unique_in_its_prd(team, editor_api, prd):
    assert _create(editor_api, prd, MINIMAL_CONTRACT).status_code == 201
    response = _create(editor_api, prd, MINIMAL_CONTRACT)
    assert response.status_code == 400
    assert "already has a contract" in response.json()["error"]["fields"]["name"][0]


def test_a_new_text_is_a_revision_with_its_breaking_changes(team, editor_api, prd):
    contract = ContractFactory(prd=prd)
    url = f"/api/v1/api-contracts/{contract.pk}/"
    response = editor_api.patch(url, {"document": WITHOUT_PLATE, "version": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 2
    assert body["version"] == 2
    [change] = body["breaking_changes"]
    assert change["kind"] == "removed_response_field"
    assert change["where"] == "GET /vehicles"
    assert "plate" in change["detail"]

    revisions = editor_api.get(f"{url}revisions/").json()["results"]
    assert [row["number"] for row in revisions] == [2, 1]
    assert revisions[0]["breaking_changes"] == body["breaking_changes"]
    assert revisions[1]["breaking_changes"] == []
    assert revisions[0]["endpoints"][0]["path"] == "/vehicles"
    assert revisions[0]["author"] == team.editor.pk

    diff = editor_api.get(f"{url}breaking-changes/", {"from": 1, "to": 2}).json()
    assert diff["breaking_changes"] == body["breaking_changes"]
    # Going back adds the field again: nothing breaks.
    back = editor_api.get(f"{url}breaking-changes/", {"from": 2, "to": 1}).json()
    assert back["breaking_changes"] == []


def test_a_rename_or_the_same_text_makes_no_revision(team, editor_api, prd):
    contract = ContractFactory(prd=prd)
    url = f"/api/v1/api-contracts/{contract.pk}/"
    response = editor_api.patch(url, {"name": "Fleet v2", "version": 1})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["revision"]) == ("Fleet v2", 1)
    same = editor_api.put(url, {"name": "Fleet v2", "document": MINIMAL_CONTRACT, "version": 2})
    assert same.status_code == 200, same.content
    assert same.json()["revision"] == 1
    assert ApiContractRevision.objects.count() == 1


def test_an_invalid_new_text_changes_nothing(team, editor_api, prd):
    contract = ContractFactory(prd=prd)
    url = f"/api/v1/api-contracts/{contract.pk}/"
    message = _document_error(editor_api.patch(url, {"document": "openapi: [", "version": 1}))
    assert message.startswith("Line ")
    contract.refresh_from_db()
    assert contract.version == 1
    assert contract.revisions.count() == 1


@pytest.mark.parametrize(
    "params, status",
    [({"from": 1, "to": 3}, 404), ({"from": 1}, 400), ({"from": "a", "to": 1}, 400)],
)
def test_breaking_changes_of_unknown_or_bad_revisions(team, editor_api, prd, params, status):
    contract = ContractFactory(prd=prd)
    response = editor_api.get(f"/api/v1/api-contracts/{contract.pk}/breaking-changes/", params)
    assert response.status_code == status


def test_editor_deletes_a_contract_with_its_revisions(team, editor_api, prd):
    contract = ContractFactory(prd=prd)
    response = editor_api.delete(f"/api/v1/api-contracts/{contract.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not ApiContractRevision.objects.exists()
