import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from bench.run import Target, check, measure, met, report, wsgi_get
from tests.factories import ProductFactory, RoadmapItemFactory


@pytest.fixture
def application(settings):
    """The bench's WSGI entry point on its own urlconf, inside the test's transaction (which
    closing connections at the end of each request, as production does, would end)."""
    settings.ROOT_URLCONF = "bench.urls"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_bare_view_lists_the_products_first_100_items_by_id(db, application):
    product = ProductFactory()
    RoadmapItemFactory.create_batch(120, product=product)
    RoadmapItemFactory(product=ProductFactory())
    status, body = wsgi_get(
        application, f"/bench/bare/roadmap-items/?product={product.pk}&page_size=100", {}
    )
    assert status == 200
    rows = json.loads(body)["results"]
    assert len(rows) == 100
    ids = [row["id"] for row in rows]
    assert ids == sorted(product.roadmap_items.values_list("id", flat=True))[:100]


def test_bench_times_an_answering_url_and_counts_its_queries(db, application):
    product = ProductFactory()
    RoadmapItemFactory.create_batch(3, product=product)
    bare = Target("bare", f"/bench/bare/roadmap-items/?product={product.pk}", {}, rows=3)
    check(application, bare)
    assert bare.available
    measure(application, [bare], iterations=5, warmup=1)
    assert len(bare.queries) == 1  # the SELECT of the rows, nothing else
    assert len(bare.times) == 5
    assert 0 < bare.percentile(50) <= bare.percentile(95)


def test_bench_reports_a_url_that_does_not_answer_instead_of_timing_it(db, application):
    missing = Target("timeline page", "/no-such-page/", {})
    check(application, missing)
    assert missing.problem == "answers 404"
    measure(application, [missing], iterations=3, warmup=1)
    assert missing.times == []
    lines = report([missing], timeline=missing, api=missing, bare=missing)
    assert "not measured: answers 404" in lines[1]
    assert not met(lines, [missing])


def timed(name: str, seconds: float, queries: int = 3) -> Target:
    return Target(name, "/", {}, times=[seconds] * 10, queries=["SELECT 1"] * queries)


def test_report_gives_the_api_to_bare_ratio_and_the_verdicts():
    timeline, api, bare = timed("timeline", 0.050), timed("api", 0.004), timed("bare", 0.002)
    lines = report([timeline, api, bare], timeline=timeline, api=api, bare=bare)
    assert "API / bare requests/s: 50% (target ≥ 50%): met" in lines
    assert "timeline p95: 50.0 ms (target ≤ 100 ms): met" in lines
    assert met(lines, [timeline, api, bare])

    slow_api, slow_page = timed("api", 0.010, queries=12), timed("timeline", 0.150)
    lines = report([slow_page, slow_api, bare], timeline=slow_page, api=slow_api, bare=bare)
    assert "API / bare requests/s: 20% (target ≥ 50%): MISSED" in lines
    assert "timeline p95: 150.0 ms (target ≤ 100 ms): MISSED" in lines
    assert any(line.startswith("api SQL queries: 12") and "MISSED" in line for line in lines)
    assert not met(lines, [slow_page, slow_api, bare])
