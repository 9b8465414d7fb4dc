"""The OpenAPI document's PRD operations: valid, described, and honest about If-Match."""

import pytest
from openapi_spec_validator import validate

PRD_RESOURCES = (
    "prds",
    "acceptance-criteria",
    "api-contracts",
    "performance-expectations",
    "decisions",
    "reviews",
    "comments",
    "prd-templates",
)
METHODS = ("get", "put", "post", "patch", "delete")
# The actions that change a versioned row besides PUT/PATCH/DELETE.
VERSIONED_ACTIONS = {
    ("/api/v1/prds/{id}/transition/", "post"),
    ("/api/v1/prds/{id}/restore/", "post"),
    ("/api/v1/acceptance-criteria/{id}/move/", "post"),
}


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _prd_operations(schema: dict):
    for path, item in schema["paths"].items():
        if path.split("/")[3] in PRD_RESOURCES:
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]


def test_the_schema_with_the_prd_api_is_valid_openapi_3(schema):
    validate(schema)
    assert len(list(_prd_operations(schema))) == 53


def test_every_prd_operation_is_summarised_and_described(schema):
    for path, method, operation in _prd_operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert operation["tags"][0] in PRD_RESOURCES, where


def test_prd_writes_document_if_match_412_with_current_and_428(schema):
    components = schema["components"]["schemas"]
    writes = [
        (path, method, operation)
        for path, method, operation in _prd_operations(schema)
        if method in ("put", "patch", "delete") or (path, method) in VERSIONED_ACTIONS
    ]
    assert len(writes) == 24
    for path, method, operation in writes:
        where = f"{method.upper()} {path}"
        headers = {
            p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
        }
        assert "if-match" in headers, where
        assert "428" in operation["responses"], where
        content = operation["responses"]["412"]["content"]["application/json"]["schema"]
        conflict = components[content["$ref"].rsplit("/", 1)[-1]]
        assert {"error", "current"} <= set(conflict["properties"]), where


def test_prd_objects_with_a_page_carry_their_html_url(schema):
    components = schema["components"]["schemas"]
    for name in [
        "Prd",
        "PrdDetail",
        "AcceptanceCriterion",
        "ApiContractDetail",
        "Comment",
        "PrdTemplate",
    ]:
        assert "html_url" in components[name]["properties"], name


def test_a_prd_status_is_read_only_and_changed_by_transition(schema):
    components = schema["components"]["schemas"]
    assert components["PrdDetail"]["properties"]["status"]["readOnly"] is True
    assert "status" not in components["PatchedPrdDetailRequest"]["properties"]
    transition = components["TransitionRequest"]
    assert "status" in transition["required"]
