import datetime
import decimal
import json
import uuid

from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from lodestar.renderers import JSONRenderer
from tests.factories import ApiTokenFactory, RoadmapItemFactory
from tests.products.test_tokens import bearer

UTC = datetime.UTC
EVERY_KIND = {
    "text": "Fleet sync — “ready” ✓",
    "line_separators": "before\u2028between\u2029after",
    "numbers": [0, -3, 2.5, 1024.0, 0.1 + 0.2, 10**15],
    "flags": [True, False, None],
    "date": datetime.date(2026, 11, 23),
    "utc": datetime.datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    "utc_micro": datetime.datetime(2026, 11, 23, 9, 30, 5, 123456, tzinfo=UTC),
    "offset": datetime.datetime(
        2026, 11, 23, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    "decimal": decimal.Decimal("12.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "error": ErrorDetail("This field is required.", code="required"),
    "tuple": (1, 2),
    7: "an integer key",
    "nested": {"rows": [{"id": 1, "tags": []}]},
}


def test_api_json_is_byte_for_byte_what_drf_writes():
    assert JSONRenderer().render(EVERY_KIND) == DrfJSONRenderer().render(EVERY_KIND)


def test_extreme_floats_keep_their_value():
    # Spelled 1e-7 rather than 1e-07: the same number to every JSON reader.
    floats = [1e-7, 1e16, -2.5e-300, 5e-324]
    assert json.loads(JSONRenderer().render(floats)) == floats


def test_indented_json_on_request_and_empty_body_for_none():
    indented = JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert indented == b'{\n  "a": [\n    1\n  ]\n}'
    assert JSONRenderer().render(None) == b""


def test_api_timestamps_are_utc_with_z(team):
    item = RoadmapItemFactory(product=team.product)
    token = ApiTokenFactory(user=team.viewer)
    body = bearer(token.secret).get(f"/api/v1/roadmap-items/{item.pk}/").json()
    assert body["created_at"].endswith("Z")
    assert datetime.datetime.fromisoformat(body["created_at"]) == item.created_at
    assert body["start_date"] == item.start_date.isoformat()
