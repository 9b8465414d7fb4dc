"""API contracts: what is refused (and where), how a contract reads as endpoints, and which
changes between two revisions break a client."""

import copy
import json
import time

import pytest
from django.core.exceptions import ValidationError

from prds import services
from prds.contracts import (
    BREAKING_KINDS,
    ContractError,
    breaking_changes,
    endpoints,
    parse,
)
from prds.models import ApiContract
from products.activity import Actor
from tests.factories import MINIMAL_CONTRACT, ContractFactory, PrdFactory

REF_BOMB_BOUND = 10.0  # seconds, for a loaded 2-core machine; these take milliseconds


def web(user) -> Actor:
    return Actor(user=user, channel="web")


def refusal(document: str) -> ContractError:
    with pytest.raises(ContractError) as refused:
        parse(document)
    return refused.value


def refused_quickly(document: str) -> ContractError:
    started = time.monotonic()
    error = refusal(document)
    # A guard against documents that hung the parser, not a speed target: far above the
    # milliseconds they take, far below the minutes they took.
    assert time.monotonic() - started < REF_BOMB_BOUND
    return error


HEAD = """openapi: 3.0.3
info:
  title: Fleet API
  version: "1.0"
paths:
"""

FLEET = """openapi: 3.0.3
info:
  title: Fleet API
  version: "2.1"
paths:
  /vehicles:
    get:
      summary: List vehicles
      operationId: listVehicles
      parameters:
        - $ref: "#/components/parameters/Limit"
        - name: depot
          in: query
          schema: {type: string}
      responses:
        200:
          description: A page of vehicles
          content:
            application/json:
              schema:
                type: object
                required: [items]
                properties:
                  items:
                    type: array
                    items: {$ref: "#/components/schemas/Vehicle"}
                  next: {type: string, nullable: true, description: Cursor of the next page}
    post:
      summary: Register a vehicle
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewVehicle"}
      responses:
        "201":
          $ref: "#/components/responses/VehicleCreated"
        "422":
          description: Invalid vehicle
  /vehicles/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema: {type: integer}
    get:
      summary: One vehicle
      deprecated: true
      responses:
        "200":
          description: The vehicle
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Vehicle"}
    delete:
      summary: Retire a vehicle
      responses:
        "204": {description: Retired}
  /depots:
    get:
      summary: Depots as a tree
      responses:
        "200":
          description: Root depots
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Depot"}
components:
  parameters:
    Limit:
      name: limit
      in: query
      description: Rows per page
      schema: {type: integer, maximum: 100}
  responses:
    VehicleCreated:
      description: Created
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Vehicle"}
  schemas:
    NewVehicle:
      type: object
      required: [plate]
      properties:
        plate: {type: string, description: Registration plate}
        model: {type: string}
        status: {type: string, enum: [active, retired]}
    Vehicle:
      allOf:
        - $ref: "#/components/schemas/NewVehicle"
        - type: object
          required: [id]
          properties:
            id: {type: integer}
            driver:
              type: object
              properties:
                name: {type: string}
                licence: {type: string}
            seen_at: {type: string, format: date-time}
            position:
              oneOf:
                - $ref: "#/components/schemas/Point"
                - type: string
    Point:
      type: object
      properties:
        lat: {type: number}
        lon: {type: number}
    Depot:
      type: object
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: "#/components/schemas/Depot"}
"""


# --- What is refused, and where -----------------------------------------------------------------


def test_invalid_yaml_is_refused_with_its_line():
    error = refusal(HEAD + "  /vehicles:\n    get:\n      summary: List: all\n")
    assert error.line == 8
    assert "Not valid YAML" in error.message
    assert str(error).startswith("Line 8: ")


def test_invalid_json_is_refused_with_its_line():
    error = refusal('{\n  "openapi": "3.0.3",\n  "info": {"title": "Fleet" "version": "1"}\n}')
    assert error.line == 3
    assert "Not valid JSON" in error.message


def test_an_openapi_2_document_is_refused_asking_for_openapi_3():
    error = refusal('swagger: "2.0"\ninfo: {title: Fleet, version: "1"}\npaths: {}\n')
    assert "Swagger" in error.message
    assert "Only OpenAPI 3 is supported" in error.message
    assert error.line == 1


def test_a_document_without_openapi_is_refused():
    error = refusal("info: {title: Fleet, version: '1'}\npaths: {}\n")
    assert "no “openapi” field" in error.message


@pytest.mark.parametrize(
    ("version", "hint"), [("3.2.0", "use 3.0.x or 3.1.x"), ("3.0", "put it in quotes")]
)
def test_an_openapi_version_we_do_not_check_is_refused(version, hint):
    error = refusal(f"openapi: {version}\ninfo: {{title: Fleet, version: '1'}}\npaths: {{}}\n")
    assert hint in error.message
    assert error.line == 1


def test_a_document_that_is_not_a_mapping_is_refused():
    assert "not a list" in refusal("- openapi\n- 3.0.3\n").message
    assert "empty" in refusal("   \n").message
    assert "empty" in refusal("# only a comment\n").message


def test_a_response_without_description_is_refused_at_its_line():
    error = refusal(HEAD + '  /vehicles:\n    get:\n      responses:\n        "200": {}\n')
    assert error.line == 9
    assert "'description' is a required property" in error.message
    assert "paths › /vehicles › get › responses › 200" in error.message


def test_a_path_not_starting_with_a_slash_is_refused_at_its_line():
    document = HEAD + '  /depots:\n    get:\n      responses:\n        "200": {description: ok}\n'
    document += '  vehicles:\n    get:\n      responses:\n        "200": {description: ok}\n'
    error = refusal(document)
    assert error.line == 10
    assert error.message == "The path “vehicles” must start with “/”."


def test_a_bad_value_deep_in_a_schema_is_refused_at_its_line():
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      parameters:\n"
        "        - name: depot\n"
        "          in: querystring\n"
        "          schema: {type: string}\n"
        "      responses:\n"
        '        "200": {description: ok}\n'
    )
    error = refusal(document)
    assert error.line == 10
    assert "'querystring' is not one of ['path', 'query', 'header', 'cookie']" in error.message


def test_a_check_beyond_the_schema_is_refused_at_the_operation():
    document = (
        HEAD + '  /vehicles/{id}:\n    get:\n      responses:\n        "200": {description: ok}\n'
    )
    error = refusal(document)
    assert error.line == 7
    assert "Path parameter 'id'" in error.message


def test_a_default_that_does_not_fit_its_schema_is_refused_at_its_line():
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      parameters:\n"
        "        - name: limit\n"
        "          in: query\n"
        "          schema:\n"
        "            type: integer\n"
        "            default: many\n"
        "      responses:\n"
        '        "200": {description: ok}\n'
    )
    error = refusal(document)
    assert error.line == 13
    assert "'many' is not of type 'integer'" in error.message


def test_an_openapi_31_schema_error_is_refused_at_its_line():
    document = HEAD.replace("3.0.3", "3.1.0") + (
        "  /vehicles:\n"
        "    get:\n"
        "      responses:\n"
        '        "200":\n'
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        "                type: object\n"
        "                properties:\n"
        "                  plate: {type: text}\n"
    )
    error = refusal(document)
    assert error.line == 16
    assert "'text' is not one of" in error.message


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("#/components/schemas/Nope", "points at nothing in this document"),
        ("https://example.com/fleet.yaml#/Vehicle", "points outside this document"),
        ("/etc/passwd", "points outside this document"),
    ],
)
def test_a_reference_must_point_at_something_in_the_document(ref, message):
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      responses:\n"
        '        "200":\n'
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        f'              schema: {{$ref: "{ref}"}}\n'
    )
    error = refused_quickly(document)
    assert error.line == 13
    assert message in error.message


def test_references_going_round_in_a_circle_are_refused_at_the_circle():
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      responses:\n"
        '        "200":\n'
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        '              schema: {$ref: "#/components/schemas/Car"}\n'
        "components:\n"
        "  schemas:\n"
        '    Car: {$ref: "#/components/schemas/Vehicle"}\n'
        '    Vehicle: {$ref: "#/components/schemas/Car"}\n'
    )
    error = refused_quickly(document)
    assert error.line == 17
    assert "go round in a circle" in error.message


def test_a_duplicated_key_is_refused_rather_than_losing_an_endpoint():
    operation = '    get:\n      responses:\n        "200": {description: ok}\n'
    error = refusal(HEAD + "  /vehicles:\n" + operation + "  /vehicles:\n" + operation)
    assert error.line == 10
    assert "the key “/vehicles” appears twice" in error.message


def test_a_five_megabyte_text_is_refused_fast():
    error = refused_quickly((HEAD + "# ").ljust(5_000_000, "x"))
    assert error.message == "The document is 5 MB; the limit is 1 MB."


def test_a_text_just_over_the_limit_does_not_read_as_the_limit():
    error = refused_quickly("#" * 1_000_001)
    assert error.message == "The document is 1.01 MB; the limit is 1 MB."


def test_a_billion_laughs_is_refused_fast():
    lines = ["openapi: 3.0.3", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    error = refused_quickly("\n".join(lines) + "\n")
    assert "aliases" in error.message
    assert error.line is not None


def test_an_alias_inside_its_own_anchor_is_refused():
    error = refused_quickly("openapi: 3.0.3\nloop: &loop [1, *loop]\n")
    assert "repeat forever" in error.message
    assert error.line == 2


@pytest.mark.parametrize(
    "document",
    [
        "a: " + "[" * 200_000 + "]" * 200_000,  # libyaml would crash the process on this
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 400)) + " " * 400 + "c\n",
        '{"openapi": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ],
    ids=["flow", "block", "json"],
)
def test_deep_nesting_is_refused_fast(document):
    error = refused_quickly(document)
    assert "nested more than 64 levels deep" in error.message


def test_a_pattern_and_default_cannot_make_validation_hang():
    # "(a+)+$" against 40 a's and a "!" backtracks for hours in Python's regex engine.
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      parameters:\n"
        "        - name: plate\n"
        "          in: query\n"
        '          schema: {type: string, pattern: "^(a+)+$", default: "' + "a" * 40 + '!"}\n'
        "      responses:\n"
        '        "200": {description: ok}\n'
    )
    started = time.monotonic()
    parse(document)
    assert time.monotonic() - started < REF_BOMB_BOUND


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"openapi": "3.0.3", "x-note": "a\\u0000b"}', "NUL character"),
        ('{"openapi": "3.0.3", "x-limit": NaN}', "NaN is not a JSON number"),
        ('{"openapi": "3.0.3", "x-limit": 1e999}', "Numbers must be finite"),
        ("openapi: 3.0.3\nx-logo: !!binary aGVsbG8=\n", "has no JSON form"),
        ("openapi: 3.0.3\nx-limit: " + "9" * 5_000 + "\n", "Not valid YAML"),
        ('{"openapi": "3.0.3", "x-limit": ' + "9" * 5_000 + "}", "Not valid JSON"),
    ],
)
def test_values_the_database_cannot_store_are_refused(document, message):
    assert message in refusal(document).message


def test_a_valid_openapi_30_yaml_document_parses_to_plain_json():
    parsed = parse(
        FLEET.replace('version: "2.1"', "version: 2024-05-01")
        + "x-released: 2024-05-01T10:00:00Z\n"
    )
    assert parsed.format == "yaml"
    assert parsed.data["info"]["version"] == "2024-05-01"  # a date stays the text written
    assert parsed.data["x-released"] == "2024-05-01T10:00:00Z"
    assert "200" in parsed.data["paths"]["/vehicles"]["get"]["responses"]  # written as 200:
    assert json.loads(json.dumps(parsed.data)) == parsed.data


def test_a_valid_openapi_31_json_document_parses():
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Fleet API", "version": "1.0"},
        "paths": {
            "/vehicles/{id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The vehicle",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"plate": {"type": ["string", "null"]}},
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }
    parsed = parse("\n" + json.dumps(document, indent="\t"))
    assert parsed.format == "json"
    assert parsed.data == document
    assert endpoints(parsed.data)[0]["responses"][0]["fields"] == [
        {"name": "plate", "type": "string | null", "required": False, "description": ""}
    ]


def test_shared_yaml_blocks_through_anchors_and_merge_keys_are_allowed():
    document = HEAD + (
        "  /vehicles:\n"
        "    get:\n"
        "      parameters:\n"
        "        - &limit {name: limit, in: query, schema: {type: integer}}\n"
        "      responses: &ok\n"
        '        "200": {description: ok}\n'
        "  /drivers:\n"
        "    get:\n"
        "      parameters:\n"
        "        - <<: *limit\n"
        "          description: Drivers per page\n"
        "      responses: *ok\n"
    )
    listed = endpoints(parse(document).data)
    assert [e["parameters"][0]["description"] for e in listed] == ["", "Drivers per page"]


# --- Endpoints ----------------------------------------------------------------------------------


def test_endpoints_list_every_operation_in_document_order():
    listed = endpoints(parse(FLEET).data)
    assert [(e["method"], e["path"]) for e in listed] == [
        ("GET", "/vehicles"),
        ("POST", "/vehicles"),
        ("GET", "/vehicles/{id}"),
        ("DELETE", "/vehicles/{id}"),
        ("GET", "/depots"),
    ]
    assert json.loads(json.dumps(listed)) == listed


def test_an_endpoint_shows_its_parameters_and_flattened_response():
    listing = endpoints(parse(FLEET).data)[0]
    assert listing["summary"] == "List vehicles"
    assert listing["operation_id"] == "listVehicles"
    assert listing["deprecated"] is False
    assert listing["request"] is None
    assert listing["parameters"] == [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "type": "integer",
            "description": "Rows per page",
        },
        {"name": "depot", "in": "query", "required": False, "type": "string", "description": ""},
    ]
    (response,) = listing["responses"]
    assert response["status"] == "200"
    assert response["content_type"] == "application/json"
    rows = {field["name"]: (field["type"], field["required"]) for field in response["fields"]}
    assert rows == {
        "items": ("array of Vehicle", True),
        "items[].plate": ("string", True),  # from NewVehicle, through allOf
        "items[].model": ("string", False),
        "items[].status": ("string: active, retired", False),
        "items[].id": ("integer", True),
        "items[].driver": ("object", False),
        "items[].driver.name": ("string", False),
        "items[].driver.licence": ("string", False),
        "items[].seen_at": ("string (date-time)", False),
        "items[].position": ("Point | string", False),
        "next": ("string | null", False),
    }
    assert response["fields"][1]["description"] == "Registration plate"


def test_an_endpoint_shows_its_request_body_and_referenced_responses():
    post = endpoints(parse(FLEET).data)[1]
    assert post["request"]["required"] is True
    assert post["request"]["content_type"] == "application/json"
    assert [field["name"] for field in post["request"]["fields"]] == ["plate", "model", "status"]
    created, invalid = post["responses"]
    assert (created["status"], created["description"]) == ("201", "Created")
    assert created["type"] == "Vehicle"
    assert "driver.name" in [field["name"] for field in created["fields"]]
    assert (invalid["content_type"], invalid["fields"]) == (None, [])


def test_path_level_parameters_apply_to_each_operation():
    one, retire = endpoints(parse(FLEET).data)[2:4]
    assert one["deprecated"] is True
    for listing in (one, retire):
        assert listing["parameters"] == [
            {"name": "id", "in": "path", "required": True, "type": "integer", "description": ""}
        ]


def test_a_recursive_schema_is_listed_once_without_looping():
    depots = endpoints(parse(FLEET).data)[4]
    (response,) = depots["responses"]
    assert response["type"] == "array of Depot"
    assert [(f["name"], f["type"]) for f in response["fields"]] == [
        ("[].name", "string"),
        ("[].children", "array of Depot (recursive)"),
    ]


# --- Breaking changes ---------------------------------------------------------------------------


@pytest.fixture
def fleet() -> dict:
    return parse(FLEET).data


def changed(old: dict, edit) -> list[dict]:
    new = copy.deepcopy(old)
    edit(new)
    return breaking_changes(old, new)


def test_every_kind_of_breaking_change_is_flagged_with_a_readable_detail(fleet):
    def edit(new):
        del new["paths"]["/depots"]
        del new["paths"]["/vehicles/{id}"]["delete"]
        post = new["paths"]["/vehicles"]["post"]
        post["responses"]["200"] = post["responses"].pop("201")
        new["paths"]["/vehicles"]["get"]["parameters"].append(
            {"name": "fleet", "in": "query", "required": True, "schema": {"type": "string"}}
        )
        new["components"]["schemas"]["NewVehicle"]["required"].append("model")
        vehicle = new["components"]["schemas"]["Vehicle"]["allOf"][1]["properties"]
        del vehicle["driver"]["properties"]["licence"]
        vehicle["seen_at"] = {"type": "integer"}

    changes = changed(fleet, edit)
    assert changes == [
        {
            "kind": "removed_path",
            "where": "/depots",
            "detail": "The path `/depots` was removed, with its GET operation.",
        },
        {
            "kind": "removed_response_field",
            "where": "GET /vehicles",
            "detail": "Response 200 no longer has field `items[].driver.licence`.",
        },
        {
            "kind": "newly_required_parameter",
            "where": "GET /vehicles",
            "detail": "Requests now need the query parameter `fleet`.",
        },
        {
            "kind": "changed_type",
            "where": "GET /vehicles",
            "detail": "Response 200 field `items[].seen_at` changed type from string to integer.",
        },
        {
            "kind": "removed_response",
            "where": "POST /vehicles",
            "detail": "Response 201 was removed: clients that expect it will break.",
        },
        {
            "kind": "newly_required_request_field",
            "where": "POST /vehicles",
            "detail": "Request field `model` is now required.",
        },
        {
            "kind": "removed_response_field",
            "where": "GET /vehicles/{id}",
            "detail": "Response 200 no longer has field `driver.licence`.",
        },
        {
            "kind": "changed_type",
            "where": "GET /vehicles/{id}",
            "detail": "Response 200 field `seen_at` changed type from string to integer.",
        },
        {
            "kind": "removed_operation",
            "where": "DELETE /vehicles/{id}",
            "detail": "The operation DELETE /vehicles/{id} was removed.",
        },
    ]
    assert {change["kind"] for change in changes} == set(BREAKING_KINDS)


def test_an_optional_parameter_becoming_required_or_changing_type_is_flagged(fleet):
    def edit(new):
        new["paths"]["/vehicles"]["get"]["parameters"][1]["required"] = True
        new["components"]["parameters"]["Limit"]["schema"] = {"type": "string"}

    assert [(c["kind"], c["detail"]) for c in changed(fleet, edit)] == [
        ("newly_required_parameter", "The query parameter `depot` is now required."),
        ("changed_type", "The query parameter `limit` changed type from integer to string."),
    ]


def test_a_new_required_request_field_and_a_required_body_are_flagged(fleet):
    def edit(new):
        schema = new["components"]["schemas"]["NewVehicle"]
        schema["properties"]["depot"] = {"type": "string"}
        schema["required"].append("depot")
        new["paths"]["/vehicles/{id}"]["delete"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }

    assert [(c["where"], c["detail"]) for c in changed(fleet, edit)] == [
        ("POST /vehicles", "Request field `depot` is new and required."),
        ("DELETE /vehicles/{id}", "A request body is new and required."),
    ]


def test_a_response_losing_its_body_or_changing_its_shape_is_flagged(fleet):
    def edit(new):
        del new["paths"]["/vehicles/{id}"]["get"]["responses"]["200"]["content"]
        depots = new["paths"]["/depots"]["get"]["responses"]["200"]["content"]
        depots["application/json"]["schema"] = {"$ref": "#/components/schemas/Depot"}

    assert [c["detail"] for c in changed(fleet, edit)] == [
        "Response 200 body changed type from array to object.",
        "Response 200 no longer has a body.",
    ]


def test_additive_changes_are_not_flagged(fleet):
    def edit(new):
        new["paths"]["/drivers"] = {"get": {"responses": {"200": {"description": "ok"}}}}
        new["paths"]["/vehicles/{id}"]["put"] = {"responses": {"200": {"description": "ok"}}}
        new["paths"]["/vehicles"]["get"]["parameters"].append(
            {"name": "q", "in": "query", "schema": {"type": "string"}}
        )
        new["components"]["schemas"]["NewVehicle"]["properties"]["colour"] = {"type": "string"}
        new["components"]["schemas"]["Point"]["properties"]["accuracy"] = {"type": "number"}
        responses = new["paths"]["/vehicles"]["post"]["responses"]
        responses["409"] = {"description": "Plate already registered"}
        del responses["422"]  # an error response going away breaks no client
        new["components"]["schemas"]["NewVehicle"]["required"] = []  # optional is fine

    assert changed(fleet, edit) == []


def test_renaming_a_path_parameter_is_not_a_breaking_change(fleet):
    def edit(new):
        item = new["paths"].pop("/vehicles/{id}")
        item["parameters"][0]["name"] = "vehicleId"
        new["paths"]["/vehicles/{vehicleId}"] = item

    assert changed(fleet, edit) == []


def test_a_change_inside_a_recursive_schema_is_found_without_looping(fleet):
    def edit(new):
        new["components"]["schemas"]["Depot"]["properties"]["name"] = {"type": "integer"}

    assert [c["detail"] for c in changed(fleet, edit)] == [
        "Response 200 field `[].name` changed type from string to integer."
    ]


# --- Through the services -----------------------------------------------------------------------


def test_an_invalid_contract_is_refused_on_document_with_its_line_and_nothing_is_saved(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    document = HEAD + '  /vehicles:\n    get:\n      responses:\n        "200": {}\n'
    with pytest.raises(ValidationError) as refused:
        services.contract_create(by=web(team.editor), prd=prd, name="Fleet", document=document)
    (message,) = refused.value.message_dict["document"]
    assert message.startswith("Line 9: ")
    assert "'description' is a required property" in message
    assert not ApiContract.objects.filter(prd=prd).exists()


def test_a_second_revision_stores_its_breaking_changes(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    contract = ContractFactory(prd=prd, name="Fleet")
    first = contract.current_revision
    assert (first.number, first.format, first.breaking_changes) == (1, "yaml", [])
    assert first.endpoints[0]["method"] == "GET"

    services.contract_update(
        contract=contract,
        by=web(team.editor),
        expected_version=contract.version,
        document=MINIMAL_CONTRACT.replace("                    plate: {type: string}\n", ""),
    )
    contract.refresh_from_db()
    second = contract.current_revision
    assert second.number == 2
    assert second.breaking_changes == [
        {
            "kind": "removed_response_field",
            "where": "GET /vehicles",
            "detail": "Response 200 no longer has field `[].plate`.",
        }
    ]


def test_an_invalid_new_text_leaves_the_contract_as_it_was(team):
    contract = ContractFactory(prd=PrdFactory(product=team.product, owner=team.editor))
    with pytest.raises(ValidationError) as refused:
        services.contract_update(
            contract=contract,
            by=web(team.editor),
            expected_version=contract.version,
            document='swagger: "2.0"\n',
        )
    assert "Only OpenAPI 3 is supported" in refused.value.message_dict["document"][0]
    contract.refresh_from_db()
    assert contract.revisions.count() == 1
    assert contract.current_revision.document == MINIMAL_CONTRACT


# --- References that fan out (a CPU denial of service) ------------------------------------------


def _schemas_document(schemas: dict) -> str:
    body = {"$ref": "#/components/schemas/S0"}
    return json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "Bomb", "version": "1"},
            "paths": {
                "/a": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": body}},
                            }
                        }
                    }
                }
            },
            "components": {"schemas": schemas},
        }
    )


def _leaf() -> dict:
    return {"type": "object", "properties": {"a": {"type": "string"}}}


def _ref(index: int) -> dict:
    return {"$ref": f"#/components/schemas/S{index}"}


def refused_within_bound(document: str) -> ContractError:
    started = time.monotonic()
    error = refusal(document)
    assert time.monotonic() - started < REF_BOMB_BOUND
    return error


def test_all_of_fan_out_is_refused_quickly():
    schemas = {f"S{i}": {"allOf": [_ref(i + 1)] * 5} for i in range(7)}
    schemas["S7"] = _leaf()
    error = refused_within_bound(_schemas_document(schemas))
    assert "expand to more than" in error.message
    assert "#/components/schemas/S" in error.message


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf"])
def test_one_of_and_any_of_fan_out_is_refused_quickly(keyword):
    schemas = {f"S{i}": {keyword: [_ref(i + 1) for _ in range(30)]} for i in range(5)}
    schemas["S5"] = _leaf()
    error = refused_within_bound(_schemas_document(schemas))
    assert "expand to more than" in error.message


def test_long_plain_reference_chain_is_refused_quickly():
    schemas = {f"S{i}": _ref(i + 1) for i in range(3000)}
    schemas["S3000"] = {"type": "string"}
    document = _schemas_document(schemas)
    error = refused_within_bound(document)
    assert "references before it reaches a definition" in error.message


def test_mixed_fan_out_is_refused_quickly():
    schemas = {}
    for i in range(6):
        ref = _ref(i + 1)
        schemas[f"S{i}"] = [
            {"allOf": [ref] * 6},
            {"type": "array", "items": {"anyOf": [ref] * 6}},
            {"not": {"oneOf": [ref] * 6}},
        ][i % 3]
    schemas["S6"] = _leaf()
    error = refused_within_bound(_schemas_document(schemas))
    assert "expand to more than" in error.message


def test_a_large_realistic_contract_passes():
    """300 schemas, about 2,000 properties, models pointing at models (some recursively), base
    classes through allOf, unions through oneOf, and 300 operations."""
    schemas: dict = {
        "Base": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string", "format": "uuid"}},
        }
    }
    for i in range(1, 300):
        properties: dict = {}
        for j in range(7):
            earlier = f"#/components/schemas/Model{max(1, i - 1 - (i * 7 + j) % 40)}"
            if i > 5 and j == 1:
                properties[f"f{j}"] = {"$ref": earlier}
            elif i > 5 and j == 2:
                properties[f"f{j}"] = {"type": "array", "items": {"$ref": earlier}}
            else:
                properties[f"f{j}"] = {"type": "string", "description": "A field."}
        if i % 3 == 0:
            properties["parent"] = {"$ref": f"#/components/schemas/Model{i}"}
        schema: dict = {"type": "object", "required": ["f0"], "properties": properties}
        if i % 4 == 0:
            schema = {"allOf": [{"$ref": "#/components/schemas/Base"}, schema]}
        if i % 25 == 0:
            schema = {"oneOf": [{"$ref": f"#/components/schemas/Model{i - k}"} for k in (1, 2, 3)]}
        schemas[f"Model{i}"] = schema
    paths = {}
    for i in range(1, 300, 2):
        ref = {"$ref": f"#/components/schemas/Model{i}"}
        body = {"application/json": {"schema": ref}}
        paths[f"/things{i}/{{id}}"] = {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"responses": {"200": {"description": "ok", "content": body}}},
            "put": {
                "requestBody": {"content": body},
                "responses": {"204": {"description": "saved"}},
            },
        }
    document = json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "Big", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas},
        },
        indent=1,
    )
    assert sum(len(s.get("properties", {})) for s in schemas.values()) >= 1_500
    started = time.monotonic()
    parsed = parse(document)
    assert len(endpoints(parsed.data)) == 300
    assert breaking_changes(parsed.data, parsed.data) == []
    assert time.monotonic() - started < 30
