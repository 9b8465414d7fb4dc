"""``make bench``: server time of the hot paths against PRODUCT.md section 7.

Seeds the benchmark product (``seed_demo --size large``: 500 items, 1,000 dependencies, a PRD
of 20,000 words with 100 criteria and 200 revisions) on the configured database, then times, in
this process and with DEBUG off:

- the timeline page (``roadmaps:timeline``), signed in as the product's admin;
- ``GET /api/v1/roadmap-items/?product=<id>&page_size=100`` with a bearer token;
- the bare baseline view returning the same 100 rows as JSON (``bench/views.py``);
- the PRD reading page (``prds:read``) of the large PRD, signed in, interleaved with its bare
  baseline: the same stored HTML, criteria, reviewers and comments as JSON. The page must also
  render no Markdown (it shows each revision's stored HTML): the bench counts the renders one
  view makes.

Each request is a WSGI call into Django's handler, as a WSGI server makes it (the whole
middleware stack runs; no sockets, no test client). The API and its baseline are interleaved
request by request after a warm-up, so both see the same machine; the timeline page is timed
on its own before them. (Interleaved with the timeline, every request after one pays for the
caches and memory the page's 50 ms of work left behind: about 1.5 ms for the API, 0.1 ms for
the much smaller baseline. That measures the mix, not the API.) Prints p50/p95 in ms,
requests/s and SQL queries per request, the API/bare ratio and the targets.
"""

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIMELINE_P95_TARGET_MS = 100.0
PRD_P95_TARGET_MS = 60.0
API_RATIO_TARGET = 0.50
QUERY_TARGET = 10
PAGE_SIZE = 100


@dataclass
class Target:
    """One URL to time, with the headers that authenticate it."""

    name: str
    path: str
    headers: dict[str, str]
    rows: int | None = None  # rows the JSON body must list, when it is a list
    rows_in: str = "results"  # the JSON body's key that lists them
    contains: tuple[str, ...] = ()  # texts the body must include (e.g. the end of a document)
    times: list[float] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    markdown_renders: int | None = None  # Markdown conversions one request made, when counted
    problem: str = ""

    @property
    def available(self) -> bool:
        return not self.problem

    def percentile(self, percent: int) -> float:
        """The ``percent``-th percentile of the timings, in milliseconds."""
        return statistics.quantiles(self.times, n=100, method="inclusive")[percent - 1] * 1000

    @property
    def requests_per_second(self) -> float:
        return len(self.times) / sum(self.times)


def wsgi_get(application: Callable, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET ``path`` through the WSGI ``application``; returns the status and the whole body."""
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **headers,
    }
    status = []
    response = application(environ, lambda code, _headers, _exc=None: status.append(code))
    try:
        body = b"".join(response)
    finally:
        response.close()  # Django's request_finished: connection handling as in production
    return int(status[0].split()[0]), body


def queries_of(application: Callable, target: Target) -> tuple[int, bytes, list[str]]:
    """One request with the SQL it ran: status, body, statements."""
    from django.db import connection

    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        status, body = wsgi_get(application, target.path, target.headers)
    return status, body, queries


def markdown_renders_of(application: Callable, target: Target) -> int:
    """How many Markdown documents one request converts (a reading page should convert none)."""
    import markdown

    convert = markdown.Markdown.convert
    calls = 0

    def counted(self, source):
        nonlocal calls
        calls += 1
        return convert(self, source)

    markdown.Markdown.convert = counted
    try:
        wsgi_get(application, target.path, target.headers)
    finally:
        markdown.Markdown.convert = convert
    return calls


def check(application: Callable, target: Target) -> None:
    """Set ``target.problem`` if the URL does not answer 200 with the expected rows and text."""
    status, body = wsgi_get(application, target.path, target.headers)
    if status != 200:
        target.problem = f"answers {status}"
        return
    if target.rows is not None:
        listed = len(json.loads(body).get(target.rows_in, []))
        if listed != target.rows:
            target.problem = f"lists {listed} rows, not {target.rows}"
            return
    text = body.decode()
    missing = [expected for expected in target.contains if expected not in text]
    if missing:
        target.problem = f"does not show {missing[0]}"


def measure(application: Callable, targets: list[Target], iterations: int, warmup: int) -> None:
    """Time ``iterations`` requests of each available target, interleaved, after ``warmup``."""
    live = [target for target in targets if target.available]
    for _ in range(warmup):
        for target in live:
            wsgi_get(application, target.path, target.headers)
    # Counted once warm: a first request may write what later ones only read (a token's
    # last use, a session).
    for target in live:
        _, _, target.queries = queries_of(application, target)
    for _ in range(iterations):
        for target in live:
            started = time.perf_counter()
            wsgi_get(application, target.path, target.headers)
            target.times.append(time.perf_counter() - started)


def report(
    targets: list[Target],
    *,
    timeline: Target,
    api: Target,
    bare: Target,
    prd: Target | None = None,
    prd_bare: Target | None = None,
) -> list[str]:
    """The table and the verdicts, as lines (``met`` says whether every target was met)."""
    width = max([34, *(len(target.name) + 2 for target in targets)])
    lines = [f"{'':<{width}}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'queries':>9}"]
    for target in targets:
        if target.available:
            lines.append(
                f"{target.name:<{width}}{target.percentile(50):>9.1f}{target.percentile(95):>9.1f}"
                f"{target.requests_per_second:>9.0f}{len(target.queries):>9}"
            )
        else:
            lines.append(f"{target.name:<{width}}  not measured: {target.problem}")
    lines.append("")
    if api.available and bare.available:
        ratio = api.requests_per_second / bare.requests_per_second
        verdict = "met" if ratio >= API_RATIO_TARGET else "MISSED"
        lines.append(
            f"API / bare requests/s: {ratio:.0%} (target ≥ {API_RATIO_TARGET:.0%}): {verdict}"
        )
    if timeline.available:
        p95 = timeline.percentile(95)
        verdict = "met" if p95 <= TIMELINE_P95_TARGET_MS else "MISSED"
        lines.append(
            f"timeline p95: {p95:.1f} ms (target ≤ {TIMELINE_P95_TARGET_MS:.0f} ms): {verdict}"
        )
    if prd is not None and prd.available:
        p95 = prd.percentile(95)
        verdict = "met" if p95 <= PRD_P95_TARGET_MS else "MISSED"
        lines.append(
            f"{prd.name} p95: {p95:.1f} ms (target ≤ {PRD_P95_TARGET_MS:.0f} ms): {verdict}"
        )
        if prd_bare is not None and prd_bare.available:
            base = prd_bare.percentile(50)
            lines.append(
                f"{prd.name} / bare p50: {prd.percentile(50) / base:.1f}× (bare p50 {base:.1f} "
                f"ms, p95 {prd_bare.percentile(95):.1f} ms)"
            )
    # PRODUCT.md caps the roadmap's queries at 10; the PRD page's count must only be constant
    # in its criteria, comments and revisions, which the tests assert at 5 and at 100.
    for target in (timeline, api):
        if target.available:
            count = len(target.queries)
            verdict = "met" if count <= QUERY_TARGET else "MISSED"
            lines.append(f"{target.name} SQL queries: {count} (target ≤ {QUERY_TARGET}): {verdict}")
    if prd is not None and prd.available and prd.markdown_renders is not None:
        verdict = "met" if prd.markdown_renders == 0 else "MISSED"
        lines.append(
            f"{prd.name} Markdown renders per view: {prd.markdown_renders} (target 0, the "
            f"stored HTML is shown): {verdict}"
        )
    return lines


def met(lines: list[str], targets: list[Target]) -> bool:
    return all(target.available for target in targets) and not any(
        "MISSED" in line for line in lines
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per URL first")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed or not measurable"
    )
    parser.add_argument("--show-queries", action="store_true", help="print each URL's SQL")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from demo import large
    from demo import prds as demo_prds
    from products.activity import Actor
    from products.models import TokenScope
    from products.services import api_token_create, api_token_revoke

    if settings.DEBUG:
        print("The bench runs with DEBUG off: use DJANGO_SETTINGS_MODULE=bench.settings.")
        return 2
    seeded = io.StringIO()
    call_command("seed_demo", "--size", "large", "--force", stdout=seeded)
    with connection.cursor() as cursor:
        # Statistics for the rows just loaded, as autovacuum gathers them soon after a bulk
        # load: without them PostgreSQL guesses one row per product and plans for that.
        cursor.execute("ANALYZE")
    product = large.large_product()
    owner = product.memberships.get(user__username=large.OWNER_USERNAME).user
    browser = Client()
    browser.force_login(owner)
    cookie = settings.SESSION_COOKIE_NAME
    session = f"{cookie}={browser.cookies[cookie].value}"
    token, secret = api_token_create(
        by=Actor.task("make bench", user=owner), name="make bench", scope=TokenScope.READ
    )
    try:
        timeline_path = reverse("roadmaps:timeline", args=[product.pk])
    except NoReverseMatch:
        timeline_path = f"/products/{product.pk}/roadmap/"
    query = f"?product={product.pk}&page_size={PAGE_SIZE}"
    timeline = Target("timeline page", timeline_path, {"HTTP_COOKIE": session})
    api = Target(
        f"API roadmap-items ({PAGE_SIZE})",
        f"/api/v1/roadmap-items/{query}",
        {"HTTP_AUTHORIZATION": f"Bearer {secret}"},
        rows=PAGE_SIZE,
    )
    bare = Target(
        f"bare Django view ({PAGE_SIZE} rows)",
        reverse("bench-bare-roadmap-items") + query,
        {},
        rows=PAGE_SIZE,
    )
    prd = demo_prds.large_prd(product)
    criteria = prd.criteria.count()
    # The page shows the whole document and every criterion: its last heading and criterion.
    last_heading = prd.current_revision.toc[-1]["id"]
    last_criterion = prd.criteria.order_by("rank", "id").last().anchor
    prd_page = Target(
        "PRD reading page",
        reverse("prds:read", args=[product.pk, prd.pk]),
        {"HTTP_COOKIE": session},
        contains=(f'id="{last_heading}"', f'id="{last_criterion}"'),
    )
    prd_bare = Target(
        f"bare Django view (PRD, {criteria} criteria)",
        reverse("bench-bare-prd") + f"?prd={prd.pk}",
        {},
        rows=criteria,
        rows_in="criteria",
    )
    targets = [timeline, api, bare, prd_page, prd_bare]
    # The production entry point, with its garbage-collector tuning.
    from lodestar.wsgi import application

    try:
        for target in targets:
            check(application, target)
        measure(application, [timeline], args.iterations, args.warmup)
        measure(application, [api, bare], args.iterations, args.warmup)
        measure(application, [prd_page, prd_bare], args.iterations, args.warmup)
        if prd_page.available:
            prd_page.markdown_renders = markdown_renders_of(application, prd_page)
    finally:
        api_token_revoke(token=token, by=Actor.task("make bench", user=owner))

    database = connection.settings_dict
    where = database["NAME"] if connection.vendor == "sqlite" else database.get("HOST") or "local"
    print(
        f"Lodestar bench, {datetime.date.today():%Y-%m-%d}: {connection.vendor} ({where}), "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for line in seeded.getvalue().splitlines():
        if line.startswith(("Benchmark product", "Benchmark PRD")):
            print(line)
    print(
        f"{args.iterations} timed requests per URL after {args.warmup} warm-up (the API and the "
        "PRD page each interleaved with their bare view), DEBUG off, in-process WSGI calls"
    )
    print()
    lines = report(targets, timeline=timeline, api=api, bare=bare, prd=prd_page, prd_bare=prd_bare)
    print("\n".join(lines))
    if args.show_queries:
        for target in targets:
            print(f"\n{target.name}:")
            for sql in target.queries:
                print(f"  {sql[:160]}")
    return 1 if args.check and not met(lines, targets) else 0


if __name__ == "__main__":
    sys.exit(main())
