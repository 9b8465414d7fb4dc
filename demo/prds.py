"""The demo PRDs, and the benchmark PRD of ``seed_demo --size large``.

**Demo.** Atlas Fleet Platform gets three PRDs, written through ``prds.services`` by the demo
people as the quarter goes, so their revisions, stored HTML and activity are all real: Maya (the
TPM) owns them, Diego (the engineer) reviews and comments, Priya (head of product) reviews.

- *Live vehicle ETA on the dispatch map*: drafted from the Standard PRD template seven weeks
  ago, criteria, a contract, expectations and a decision added three weeks ago, changes
  requested by Diego, a second contract revision with breaking changes, approved two weeks ago.
- *Driver breaks in route plans (EU 561/2006)*: in review, approved by Priya, changes
  requested by Diego.
- *ETA API for shippers*: a draft written yesterday.

The story is told in the gaps between the roadmap's chapters (``demo.roadmap``): each scene runs
when the roadmap's chapter before it has been marked (``Interleaved``), so the activity log's
order is still the order things happened, and ``align_times`` then gives revisions, comments and
reviews the times their activity entries tell.

**Benchmark.** ``seed_large_prd`` adds to the benchmark product one PRD of 20,000 words with 100
criteria, 200 revisions and three dozen comments, in bulk. Each revision's HTML is really its
body rendered: the body is made of sections, each revision edits one section, and a section's
text is rendered once and its HTML reused by every revision that has that same text (checked
against whole renders of the first and last bodies, which must come out the same; if they ever
did not, every revision would be rendered whole: slower, still right).
"""

# ruff: noqa: E501 - the demo texts below are prose, one paragraph per line

import datetime
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from demo.roadmap import PLAN, History
from lodestar.markdown import Rendered, render, render_html
from prds import services
from prds.models import (
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    Comment,
    CriterionKind,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)
from products.activity import Actor, activity_record
from products.models import Activity, Membership, Product, Role
from products.services import membership_change_role
from roadmaps.models import RoadmapItem

TASK = "seed_demo"
STANDARD_TEMPLATE = "Standard PRD"


class Interleaved(History):
    """A ``History`` that plays scenes in the gaps of a story another seeder tells.

    ``after(day, scene)``: run ``scene`` as soon as a chapter that ends ``day`` days ago has been
    marked. The scene writes and marks its own chapters, which must end before the next chapter
    of the other story begins, so entries stay in the order they happened.
    """

    def __init__(self, product: Product, *, since_start: bool = False):
        super().__init__(product, since_start=since_start)
        self._scenes: dict[int, list[Callable[[], None]]] = {}

    def after(self, day: int, scene: Callable[[], None]) -> None:
        self._scenes.setdefault(day, []).append(scene)

    def mark(self, first: int, last: int | None = None) -> None:
        super().mark(first, last)
        for scene in self._scenes.pop(first if last is None else last, []):
            scene()


# --- The demo PRDs' texts ----------------------------------------------------------------------

ETA_TITLE = "Live vehicle ETA on the dispatch map"
BREAKS_TITLE = "Driver breaks in route plans (EU 561/2006)"
SHIPPER_TITLE = "ETA API for shippers"

ETA_PROBLEM = """## Problem

Dispatchers at our carriers answer the same question forty times a day: *when will the truck be there?* The live map shows where every vehicle is, but not when it will reach its next stop. A dispatcher who wants an arrival time opens the route, reads the planned time, glances at the traffic layer and phones the driver. Nordline Haulage counted twenty such calls per dispatcher per day, only to pass an arrival time on to a customer; Kestrel Foods Distribution lost a retail contract after three missed delivery windows that nobody saw coming.

We already compute an ETA for every stop every two minutes (shipped in Atlas 3.3), but it lives in the route detail panel and in the nightly punctuality report, where nobody looks while the day can still be saved. The ETA engine v2, now in development, makes those ETAs good enough to show a customer. This PRD is about putting them where dispatchers work: on the map, next to the vehicle, early enough to act."""

ETA_USERS = """## Users

- **Dispatchers** (primary) run the day for 20 to 80 vehicles each from the dispatch map, usually on two screens. They react to exceptions and answer customers' calls.
- **Transport planners** look at the map before re-planning in the afternoon; they need to see which routes are already running late.
- **Operations managers** want one glance at the whole fleet: how many stops are at risk right now, per depot.
- **Customer service agents** (secondary) read the same ETA to customers on the phone, from the map in read-only mode."""

ETA_GOALS = """## Goals

- A dispatcher sees, for every moving vehicle, the ETA at its next stop and whether that stop will be on time, at risk or late, without opening the route.
- Late stops show up **before** their time window is missed: at least 30 minutes ahead for 8 late stops in 10.
- The ETA on the map is the number the customer sees on the tracking page and in arrival notifications: one source, no contradictions.
- Calls from dispatch to drivers asking for an arrival time drop by half at the pilot carriers."""

ETA_NON_GOALS = """## Non-goals

- Re-planning a route automatically when a stop turns late; that is *Time-window aware re-planning*, next quarter.
- ETAs for vehicles without a live GPS feed: they keep their planned times, marked as planned.
- A new map. We keep the current one, with its clustering and its filters.
- Predicting how long the truck stays at the stop: the ETA is the arrival time, not the departure."""

ETA_MAP_REQUIREMENTS = """## Requirements

### On the map

1. Each vehicle marker carries a badge with the ETA at its next stop, in the stop's local time (`HH:MM`), and a state: on time (green), at risk (amber: arrival in the last 15 minutes of the window) or late (red: arrival after the window closes).
2. Hovering or focusing a marker shows the vehicle's next three stops with their ETA, time window and the ETA's confidence (high, medium, low).
3. Clusters show how many late and at-risk vehicles they contain, so a zoomed-out map still shows where the trouble is.
4. A filter *Late or at risk* hides every vehicle that is on time.
5. ETAs refresh at least every two minutes without reloading the page. A vehicle whose GPS has been silent for more than five minutes shows its last ETA greyed out, with "no signal since 10:42"."""

ETA_DATA_V1 = """### Data and API

6. The map reads ETAs from the ETA service through the contract attached to this PRD (*Dispatch map ETA API*), never from the route tables.
7. ETAs are computed by the ETA engine ahead of time and cached per stop: opening the map never triggers a calculation.
8. Every ETA carries the time it was computed, so the map can say how fresh it is.

An ETA as the map receives it:

```json
{
  "vehicle_id": "TRK-2041",
  "stop_id": 88213,
  "eta": "2025-03-14T10:42:00+01:00",
  "eta_minutes": 44,
  "window": {"from": "10:00", "to": "11:00"},
  "state": "at_risk",
  "confidence": "medium",
  "computed_at": "2025-03-14T09:58:31+01:00"
}
```"""

ETA_DATA_V2 = """### Data and API

6. The map reads ETAs one depot at a time from the ETA service, through the contract attached to this PRD (*Dispatch map ETA API*, revision 2), never from the route tables. A fleet-wide list was 4 MB at Nordline's size; a depot's is under 100 kB.
7. ETAs are computed by the ETA engine ahead of time and cached per stop: opening the map never triggers a calculation.
8. Every ETA carries the time it was computed, so the map can say how fresh it is. The map counts down to `eta` itself; the service no longer sends a number of minutes, which went stale between two refreshes and disagreed with `eta`.

An ETA as the map receives it:

```json
{
  "vehicle_id": "TRK-2041",
  "stop_id": 88213,
  "depot_id": "DUS-1",
  "eta": "2025-03-14T10:42:00+01:00",
  "window": {"from": "10:00", "to": "11:00"},
  "state": "at_risk",
  "confidence": "medium",
  "computed_at": "2025-03-14T09:58:31+01:00"
}
```"""

ETA_ACCESS_AND_ROLLOUT = """### Accessibility and the projector

9. Colour is never the only signal: the badge also carries an icon (✓, !, ×), and screen readers hear "late" or "at risk" in words.
10. The badge stays readable on the dispatch room's projector at 1280 × 720, where the morning stand-up walks through the late routes.

### Rollout

The badge ships behind the `dispatch_map_eta` flag. Nordline Haulage and Kestrel Foods Distribution run it for four weeks with the ETA engine v2 in shadow mode next to v1; we compare both against actual arrivals every night and switch a region to v2 only when it beats v1 there. Support gets a one-page guide to the three states and to "no signal" before the pilot starts."""

ETA_METRICS = """## Success metrics

| Metric | Today | Target | By |
|---|---|---|---|
| Calls from dispatch to drivers asking for an ETA, per dispatcher and day | 20 | 10 | six weeks after launch |
| Late stops flagged on the map at least 30 min before their window closes | none | 80 % | launch |
| Stops delivered within ±15 min of the ETA shown | 74 % | 90 % | end of the quarter |
| Dispatchers using the *Late or at risk* filter every week | 0 | 60 % | six weeks after launch |

The third line is the key result *Stops delivered within ±15 min of the ETA* of the objective *Make ETAs customers can trust*; the map does not move it alone, but it is where a dispatcher can act on it."""

ETA_QUESTIONS_V1 = """## Open questions

- [x] Do vehicles on a break show an ETA? Yes: the ETA engine v2 plans the break into the ETA. *(Diego)*
- [ ] Which time zone does a dispatcher see on a cross-border route, the stop's or the depot's? *(Maya, with the Rhein Cargo pilot)*
- [ ] Do customer service agents need the confidence, or does it confuse customers on the phone? *(Helen)*
- [ ] Amber threshold: 15 minutes before the window closes, or a share of the window's length?"""

ETA_QUESTIONS_V2 = (
    ETA_QUESTIONS_V1
    + """
- [ ] Tunnels: grey out after five minutes without GPS, or after the segment's expected time without signal (12 to 15 minutes through the Gotthard)? *(Diego)*"""
)


def _template_part(heading: str) -> str:
    """The Standard PRD template's section under ``heading`` (the draft still has some)."""
    body = PrdTemplate.objects.get(product=None, name=STANDARD_TEMPLATE).body
    sections = ["## " + part.strip() for part in body.split("## ") if part.strip()]
    return next(section for section in sections if section.startswith(f"## {heading}\n"))


def eta_body(stage: str) -> str:
    """The ETA PRD's text at ``stage``: "draft" (the first four sections written), "v1" (all
    of it, for contract revision 1) or "v2" (after the contract's breaking change)."""
    parts = [ETA_PROBLEM, ETA_USERS, ETA_GOALS, ETA_NON_GOALS]
    if stage == "draft":
        parts += [_template_part(name) for name in ("Requirements", "Success metrics")]
        parts += [_template_part("Open questions")]
    else:
        data = ETA_DATA_V1 if stage == "v1" else ETA_DATA_V2
        questions = ETA_QUESTIONS_V1 if stage == "v1" else ETA_QUESTIONS_V2
        parts += [ETA_MAP_REQUIREMENTS, data, ETA_ACCESS_AND_ROLLOUT, ETA_METRICS, questions]
    return "\n\n".join(part.strip() for part in parts) + "\n"


# (kind, given, when, then | text, status when it has been verified in the pilot)
ETA_CRITERIA = [
    ("scenario", "a vehicle with a live GPS feed and a next stop with a time window",
     "the dispatcher opens the dispatch map",
     "the vehicle's marker shows the ETA at that stop in the stop's local time, marked on time, at risk or late",
     CriterionStatus.MET),
    ("scenario", "a stop whose ETA moves past the end of its time window",
     "the next refresh arrives (at most two minutes later)",
     "the marker turns late without the page reloading, and its cluster counts one more late vehicle",
     CriterionStatus.MET),
    ("scenario", "a vehicle whose GPS has been silent for more than five minutes",
     "the dispatcher looks at the map",
     "its last ETA is greyed out and the badge says **no signal since** the time of the last position",
     CriterionStatus.OPEN),
    ("scenario", "a dispatcher who moves to a marker with the keyboard",
     "the marker's popover opens",
     "it lists the next three stops with ETA, time window and confidence, and a screen reader announces *late* or *at risk* in words",
     CriterionStatus.OPEN),
    ("text", "", "", "The ETA on the map equals the ETA on the customer tracking page and in the arrival notification for the same stop at the same moment.",
     CriterionStatus.MET),
    ("scenario", "the *Late or at risk* filter is on",
     "a late vehicle's next stop is back on time",
     "the vehicle leaves the map at the next refresh",
     CriterionStatus.OPEN),
    ("text", "", "", "Opening or refreshing the map never triggers an ETA calculation: the ETA service's request log shows only cache reads from the map during the pilot.",
     CriterionStatus.OPEN),
    ("scenario", "a route that crosses a time-zone border",
     "the dispatcher reads the ETA of a stop across the border",
     "it is shown in the stop's local time with its zone, e.g. `10:42 CET`",
     CriterionStatus.OPEN),
]  # fmt: skip

ETA_CONTRACT_NAME = "Dispatch map ETA API"
ETA_CONTRACT_V1 = """openapi: 3.0.3
info:
  title: Dispatch map ETA API
  version: "1.0"
  description: >-
    The ETAs the dispatch map shows. The ETA engine computes them ahead of time;
    these operations only read its cache.
paths:
  /etas:
    get:
      operationId: listEtas
      summary: The ETA at the next stop of every moving vehicle of the fleet
      parameters:
        - name: updated_since
          in: query
          required: false
          description: Only ETAs computed after this time, for the map's refresh.
          schema:
            type: string
            format: date-time
      responses:
        "200":
          description: One ETA per moving vehicle
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: "#/components/schemas/Eta"
  /vehicles/{vehicle_id}/etas:
    get:
      operationId: getVehicleEtas
      summary: The next three stops of one vehicle, with their ETAs
      parameters:
        - name: vehicle_id
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The vehicle's next stops
          content:
            application/json:
              schema:
                type: object
                required: [vehicle_id, stops]
                properties:
                  vehicle_id:
                    type: string
                  gps_last_seen:
                    type: string
                    format: date-time
                  stops:
                    type: array
                    maxItems: 3
                    items:
                      $ref: "#/components/schemas/Eta"
        "404":
          description: No such vehicle, or no stop left today
components:
  schemas:
    Eta:
      type: object
      required: [vehicle_id, stop_id, eta, state, computed_at]
      properties:
        vehicle_id:
          type: string
        stop_id:
          type: integer
        eta:
          type: string
          format: date-time
        eta_minutes:
          type: integer
          description: Minutes from now to the arrival
        window:
          type: object
          properties:
            from:
              type: string
            to:
              type: string
        state:
          type: string
          enum: [on_time, at_risk, late, no_signal]
        confidence:
          type: string
          enum: [high, medium, low]
        computed_at:
          type: string
          format: date-time
"""
# Revision 2: the list is per depot (a newly required parameter) and eta_minutes is gone (a
# removed response field): both break a client of revision 1.
ETA_CONTRACT_V2 = (
    ETA_CONTRACT_V1.replace('version: "1.0"', 'version: "2.0"')
    .replace(
        "summary: The ETA at the next stop of every moving vehicle of the fleet\n"
        "      parameters:\n",
        "summary: The ETA at the next stop of every moving vehicle of one depot\n"
        "      parameters:\n"
        "        - name: depot_id\n"
        "          in: query\n"
        "          required: true\n"
        "          description: The depot whose vehicles the map shows.\n"
        "          schema:\n"
        "            type: string\n",
    )
    .replace(
        "        eta_minutes:\n"
        "          type: integer\n"
        "          description: Minutes from now to the arrival\n",
        "        depot_id:\n          type: string\n",
    )
)

# (metric, comparator, target, unit, context)
ETA_EXPECTATIONS = [
    ("p95 latency of GET /etas", "<=", "150", "ms", "one depot of 120 vehicles, warm cache"),
    ("Age of the ETA shown on the map", "<=", "120", "s", "from computed_at to the badge, refresh every 60 s"),
    ("Stops delivered within ±15 min of the ETA shown", ">=", "90", "%", "pilot carriers, four weeks"),
    ("Map frame time while 500 markers update", "<=", "16", "ms", "mid-range dispatcher laptop, Chrome"),
]  # fmt: skip

ETA_DECISION_PUSH = {
    "title": "How ETA updates reach the map",
    "context": "The map must show fresh ETAs for up to 500 vehicles per dispatcher without a reload. Two pilot carriers sit behind proxies that cut long-lived connections after 60 seconds.",
    "options": [
        {"name": "Poll every 60 s", "cost": "Low: one cached endpoint",
         "scalability": "About 8 requests/s for 500 dispatchers; cheap with the per-depot cache",
         "maintenance": "Nothing new to run",
         "business_impact": "ETAs up to 60 s older than they could be; nobody in the pilot noticed"},
        {"name": "Server-sent events", "cost": "Medium: a stream endpoint and a fan-out from the ETA engine",
         "scalability": "One open connection per dispatcher; fine to a few thousand",
         "maintenance": "A new always-on service with its own monitoring",
         "business_impact": "Updates within seconds, but broken behind two pilot carriers' proxies"},
        {"name": "WebSockets", "cost": "High: a socket gateway",
         "scalability": "Good, with sticky sessions and a gateway to scale",
         "maintenance": "The gateway, its scaling rules and reconnect logic in the map",
         "business_impact": "Same as server-sent events here; only worth it if the map ever sends data back"},
    ],
    "choice": "Poll every 60 s, with If-None-Match so that an unchanged list costs a 304. Streaming is back on the table when the map needs updates faster than the ETA engine recomputes them (every two minutes today).",
}  # fmt: skip
ETA_DECISION_DEPOT = {
    "title": "ETAs per depot, not per fleet",
    "context": "Nordline's fleet-wide ETA list is 4.1 MB and takes 900 ms to build; a dispatcher only ever looks at one depot. Contract revision 2 makes the depot a required parameter, which breaks clients of revision 1 (there are none outside the map yet).",
    "options": [
        {"name": "Per fleet (revision 1)", "cost": "None: already built",
         "scalability": "Grows with the fleet: 4 MB at 500 vehicles",
         "maintenance": "None", "business_impact": "Slow map at our largest carriers"},
        {"name": "Per depot", "cost": "Two days: a required depot_id and a cache key per depot",
         "scalability": "Bounded by the largest depot (about 150 vehicles)",
         "maintenance": "None beyond the cache key",
         "business_impact": "Fast everywhere; dispatchers covering two depots open two tabs"},
        {"name": "Per map viewport", "cost": "A week: spatial queries on every refresh",
         "scalability": "Bounded by what is on screen",
         "maintenance": "A spatial index to keep in step with GPS positions",
         "business_impact": "Fast, but clusters lose their late counts outside the viewport"},
    ],
    "choice": "Per depot: contract revision 2 requires depot_id on GET /etas.",
}  # fmt: skip

BREAKS_BODY = """## Problem

Our route plans ignore the driving-time rules. A planner can schedule nine hours of driving without a single break; the driver then takes the legal 45-minute break after four and a half hours wherever it falls, and every ETA after it is 45 minutes wrong. "The ETA jumped from 14:10 to 15:30 when the driver took his break. Nobody had planned that break," as Nordline Haulage's support ticket put it. Baltic Express Freight audits 140 drivers' hours by hand every month and will not renew without help.

## Users

- **Transport planners** building tomorrow's routes, who today add breaks by hand when they remember.
- **Dispatchers** re-planning during the day, who need to know how much driving time a driver has left.
- **Drivers**, through Atlas Driver App, who see where their break is planned and can move it.

## Goals

- Every plan respects Regulation (EC) No 561/2006: a 45-minute break after at most 4 h 30 of driving (or split as 15 + 30 minutes), and at most 9 hours of driving a day (10 hours twice a week).
- Breaks are planned where a truck can stop: truck parking areas, depots, and customer sites that allow it.
- ETAs include the planned breaks, so the tracking page stops jumping when a driver pulls over.

## Non-goals

- Weekly and fortnightly driving limits and daily rest periods: they come with *Infringement early warnings*, once tachograph sync covers every vendor.
- The working time directive (2002/15/EC).
- Ferry and train crossings as rest.

## Requirements

1. The planner inserts the breaks a route needs and shows them on the route like stops, with their place and length.
2. With tachograph data (*Tachograph data sync*), the plan starts from the driver's remaining driving time; without it, from a fresh shift, and the plan says so.
3. A dispatcher can move a planned break to another parking place on the route; the plan refuses a move that would break the rules, and says which rule.
4. The ETA engine treats a planned break like a stop with a fixed duration.

| Rule | Limit | Source |
|---|---|---|
| Break after continuous driving | 45 min after 4 h 30 (or 15 + 30) | Art. 7 |
| Daily driving | 9 h, 10 h twice a week | Art. 6(1) |
| Weekly driving | 56 h | Art. 6(2), not in this PRD |

## Success metrics

| Metric | Today | Target | By |
|---|---|---|---|
| Plans that would lead to a break infringement | 31 % | under 2 % | end of the pilot |
| ETA error caused by unplanned breaks, p90 | 44 min | 10 min | end of the pilot |

## Open questions

- [ ] Parking data: a commercial truck-parking database, or our customers' own list of places?
- [ ] Do drivers get to refuse a planned break place from the app, or only dispatch?
"""

# The first revision had no parking places yet; the second added requirement 3 and the table.
BREAKS_FIRST_DRAFT = BREAKS_BODY.replace(
    "3. A dispatcher can move a planned break to another parking place on the route; the plan refuses a move that would break the rules, and says which rule.\n4. The ETA engine",
    "3. The ETA engine",
).replace(
    """
| Rule | Limit | Source |
|---|---|---|
| Break after continuous driving | 45 min after 4 h 30 (or 15 + 30) | Art. 7 |
| Daily driving | 9 h, 10 h twice a week | Art. 6(1) |
| Weekly driving | 56 h | Art. 6(2), not in this PRD |
""",
    "",
)

BREAKS_CRITERIA = [
    ("scenario", "a route with more than 4 h 30 of driving",
     "the planner builds the plan", "a 45-minute break is planned before 4 h 30 of driving, at a place where a truck may park"),
    ("scenario", "a driver whose tachograph shows 3 h 10 of driving already today",
     "dispatch re-plans the route at noon", "the first break is planned within the 1 h 20 of driving left"),
    ("scenario", "a plan with a planned break", "the ETA engine computes the route's ETAs",
     "every stop after the break is 45 minutes later than without it"),
    ("text", "", "", "A plan that cannot keep to the daily driving limit (9 h, or 10 h on two days a week) is refused, naming the stop at which the limit would be passed."),
]  # fmt: skip

SHIPPER_BODY = """## Problem

Rhein Cargo's shippers want the ETAs of their shipments in their own transport management system, not in another portal: "We want our shipments' ETAs in our own TMS." Two of Alpine Freight Partners' biggest shippers asked for live tracking in this year's tender. Today carriers export a CSV of planned times every morning, which is wrong by ten o'clock.

## Users

- **Shippers' IT teams**, integrating ETAs into their TMS or ERP.
- **Carriers' account managers**, who hand out the access.

## Goals

- A shipper reads the live ETA of each of its stops, and only its own, through an API and webhooks.
- The ETA it gets is the one on the tracking page and on the dispatch map.

## Non-goals

- Booking or changing shipments through the API (the shipper portal, later).

## Requirements

1. Read-only tokens scoped to one shipper, issued by the carrier.
2. `GET /shipper/stops/{id}/eta`, and a webhook when an ETA moves by five minutes or more.

## Success metrics

| Metric | Today | Target | By |
|---|---|---|---|
| Weekly active users of the feature | 0 | 40 % of accounts | end of next quarter |

## Open questions

- [ ] Do carriers charge their shippers for API access, and do we meter it?
- [ ] Webhook retries: how long do we keep trying a shipper's endpoint that is down?
"""

SHIPPER_CRITERIA = [
    ("scenario", "a shipper's token scoped to its own shipments",
     "it asks for the ETA of one of its stops",
     "it gets the ETA the tracking page shows, and a 404 for any other shipper's stop"),
    ("text", "", "", "A webhook fires only when a stop's ETA moves by five minutes or more, at most once a minute per stop."),
]  # fmt: skip


def _criterion_values(row: tuple) -> dict:
    kind, given, when, then_or_text = row[:4]
    if kind == "text":
        return {"kind": CriterionKind.TEXT, "text": then_or_text}
    return {"kind": CriterionKind.SCENARIO, "given": given, "when": when, "then": then_or_text}


# --- The demo story ----------------------------------------------------------------------------


def has_prds(product: Product) -> bool:
    """Whether the product has PRDs already (seeded, or written by someone): then none is added."""
    return Prd.objects.filter(product=product).exists()


def can_seed(product: Product, people: dict) -> bool:
    """The story needs Maya as an editor, and Priya and Diego as members (an earlier seed that
    someone changed since may not have them)."""
    roles = dict(
        Membership.objects.filter(product=product, user__in=people.values()).values_list(
            "user__username", "role"
        )
    )
    return (
        Role(roles.get("maya", Role.VIEWER)).includes(Role.EDITOR)
        and "priya" in roles
        and "diego" in roles
    )


class FleetPrds:
    """The demo product's PRDs, written scene by scene: ``interleave`` places the scenes between
    the roadmap's chapters (or ``play_remaining`` plays them in a row), ``finale`` writes the
    last days, ``align_times`` dates the rows."""

    def __init__(self, product: Product, people: dict, history: Interleaved):
        self.product = product
        self.people = people
        self.history = history
        self.maya = Actor.task(TASK, user=people["maya"])
        self.priya = Actor.task(TASK, user=people["priya"])
        self.diego = Actor.task(TASK, user=people["diego"])
        self.prds: dict[str, Prd] = {}
        self.criteria: dict[str, list[AcceptanceCriterion]] = {}
        self._played: set[str] = set()

    def interleave(self) -> None:
        """Play the scenes after the roadmap's quarter plan (48 days ago), its customer
        evidence (22) and the release it shipped (20)."""
        self.history.after(48, self.drafting)
        self.history.after(22, self.review)
        self.history.after(20, self.approval)

    def play_remaining(self) -> None:
        """The scenes whose place in the roadmap's story never came (an earlier seed has its
        roadmap already), one after the other."""
        for scene in (self.drafting, self.review, self.approval):
            scene()

    def _once(self, scene: str) -> bool:
        """Whether ``scene`` was played already (else it is being played now)."""
        played = scene in self._played
        self._played.add(scene)
        return played

    def day(self, days_ago: int) -> datetime.date:
        return timezone.localdate(self.history.now) - datetime.timedelta(days=days_ago)

    def items(self, *keys: str) -> list[RoadmapItem]:
        """The roadmap items of the demo plan, by their key there (missing ones are skipped:
        someone may have deleted or renamed them since the roadmap was seeded)."""
        titles = {plan.key: plan.title for plan in PLAN}
        found = {
            item.title: item
            for item in RoadmapItem.objects.filter(
                product=self.product, title__in=[titles[key] for key in keys]
            )
        }
        return [found[titles[key]] for key in keys if titles[key] in found]

    def _refresh(self, key: str) -> Prd:
        self.prds[key] = Prd.objects.get(pk=self.prds[key].pk)
        return self.prds[key]

    def _update(self, key: str, by: Actor, summary: str, **changes) -> None:
        prd = self._refresh(key)
        services.prd_update(
            prd=prd, by=by, expected_version=prd.version, summary=summary, **changes
        )

    def _transition(self, key: str, status: str) -> None:
        prd = self._refresh(key)
        services.prd_transition(prd=prd, by=self.maya, expected_version=prd.version, status=status)

    def _review(self, key: str, reviewer: Actor, verdict: str, comment: str) -> None:
        review = Review.objects.get(prd=self.prds[key], reviewer=reviewer.user)
        services.review_submit(
            review=review,
            by=reviewer,
            expected_version=review.version,
            verdict=verdict,
            comment=comment,
        )

    def _criteria(self, key: str, rows: list[tuple]) -> None:
        self.criteria[key] = [
            services.criterion_create(by=self.maya, prd=self.prds[key], **_criterion_values(row))
            for row in rows
        ]

    def drafting(self) -> None:
        """47–46 days ago: Maya starts the ETA PRD from the template, right after the quarter
        was planned, and writes its first half, then the rest."""
        if self._once("drafting"):
            return
        template = PrdTemplate.objects.get(product=None, name=STANDARD_TEMPLATE)
        self.prds["eta"] = services.prd_create(
            by=self.maya,
            product=self.product,
            title=ETA_TITLE,
            owner=self.people["maya"],
            template=template,
            roadmap_items=self.items("eta-engine", "gps-smoothing", "geofence-arrival"),
        )
        self._update(
            "eta", self.maya, "Problem, users, goals and non-goals", body=eta_body("draft")
        )
        self.history.mark(47)
        self._update(
            "eta",
            self.maya,
            "Requirements, success metrics and open questions",
            body=eta_body("v1"),
        )
        self.history.mark(46)

    def review(self) -> None:
        """21 days ago: Diego becomes a contributor so he can review; Maya adds the criteria,
        the contract, the expectations and the first decision, and asks for review."""
        if self._once("review"):
            return
        diego = Membership.objects.select_related("product").get(
            product=self.product, user=self.people["diego"]
        )
        if not Role(diego.role).includes(Role.CONTRIBUTOR):
            membership_change_role(
                membership=diego, by=self.priya, expected_version=diego.version,
                role=Role.CONTRIBUTOR,
            )  # fmt: skip
        prd = self.prds["eta"]
        self._criteria("eta", ETA_CRITERIA)
        services.contract_create(
            by=self.maya, prd=prd, name=ETA_CONTRACT_NAME, document=ETA_CONTRACT_V1
        )
        for metric, comparator, target, unit, context in ETA_EXPECTATIONS:
            services.expectation_create(
                by=self.maya, prd=prd, metric=metric, comparator=comparator,
                target=Decimal(target), unit=unit, context=context,
            )  # fmt: skip
        services.decision_create(
            by=self.maya, prd=prd, decided_by=self.people["diego"], decided_on=self.day(21),
            **ETA_DECISION_PUSH,
        )  # fmt: skip
        for reviewer in ("priya", "diego"):
            services.review_request(by=self.maya, prd=prd, reviewer=self.people[reviewer])
        self._transition("eta", PrdStatus.IN_REVIEW)
        self.history.mark(21)

    def approval(self) -> None:
        """19–15 days ago: comments, Diego's changes, contract revision 2 (breaking), both
        approvals and the approval; Maya starts the breaks PRD."""
        if self._once("approval"):
            return
        prd = self.prds["eta"]
        silent_gps = self.criteria["eta"][2]
        question = services.comment_create(
            by=self.diego,
            prd=prd,
            criterion=silent_gps,
            body="Five minutes is short for the Alpine tunnels: 12 to 15 minutes without GPS is "
            "normal through the Gotthard. Could we grey out after the segment's *expected* "
            "time without signal instead?",
        )
        services.comment_create(
            by=self.maya,
            prd=prd,
            parent=question,
            body="Good catch. Five minutes stays the default; I've added the tunnel case to the "
            "open questions so we settle it with the Rhein Cargo pilot.",
        )
        agents = services.comment_create(
            by=self.priya,
            prd=prd,
            body="Helen asked whether customer service sees the same badges. The read-only map "
            "covers it, I think?",
        )
        services.comment_create(
            by=self.maya,
            prd=prd,
            parent=agents,
            body="It does: agents get the same badges in read-only mode (see **Users**).",
        )
        self.history.mark(19)
        self._review(
            "eta",
            self.diego,
            Verdict.CHANGES_REQUESTED,
            "Two changes before I can approve:\n\n"
            "1. Drop `eta_minutes`: it goes stale between refreshes and disagrees with `eta`. "
            "The map can count down itself.\n"
            "2. `GET /etas` for the whole fleet is 4 MB at Nordline's size. Scope it to a depot.",
        )
        self.history.mark(18)
        contract = ApiContract.objects.get(prd=prd, name=ETA_CONTRACT_NAME)
        services.contract_update(
            contract=contract,
            by=self.maya,
            expected_version=contract.version,
            document=ETA_CONTRACT_V2,
        )
        self._update(
            "eta",
            self.maya,
            "ETAs per depot, no more eta_minutes (contract revision 2); the tunnel question",
            body=eta_body("v2"),
        )
        services.decision_create(
            by=self.maya, prd=prd, decided_by=self.people["maya"], decided_on=self.day(17),
            **ETA_DECISION_DEPOT,
        )  # fmt: skip
        services.comment_create(
            by=self.diego,
            prd=prd,
            body="Checked the driver app and the tracking page: neither reads `eta_minutes`, so "
            "revision 2 breaks nobody outside the map.",
        )
        self.history.mark(17)
        self._review(
            "eta",
            self.diego,
            Verdict.APPROVED,
            "Revision 2 of the contract is what we'll build. Approved.",
        )
        self._review(
            "eta",
            self.priya,
            Verdict.APPROVED,
            "Clear, and the success metrics are the quarter's key result. Approved.",
        )
        self.history.mark(16)
        self._transition("eta", PrdStatus.APPROVED)
        self.prds["breaks"] = services.prd_create(
            by=self.maya,
            product=self.product,
            title=BREAKS_TITLE,
            owner=self.people["maya"],
            template=PrdTemplate.objects.get(product=None, name=STANDARD_TEMPLATE),
            body=BREAKS_FIRST_DRAFT,
            roadmap_items=self.items("break-planning", "tacho-sync"),
        )
        self.history.mark(15)

    def finale(self) -> None:
        """The last two days: the ETA pilot meets three criteria, the breaks PRD goes to
        review and gets one approval and one request for changes, the shipper API is drafted."""
        for criterion, row in zip(self.criteria["eta"], ETA_CRITERIA, strict=True):
            if row[4] == CriterionStatus.MET:
                criterion = AcceptanceCriterion.objects.get(pk=criterion.pk)
                services.criterion_update(
                    criterion=criterion,
                    by=self.diego,
                    expected_version=criterion.version,
                    status=CriterionStatus.MET,
                )
        self._update(
            "breaks",
            self.maya,
            "Moving a planned break; the rules as a table",
            body=BREAKS_BODY,
        )
        breaks = self.prds["breaks"]
        self._criteria("breaks", BREAKS_CRITERIA)
        services.expectation_create(
            by=self.maya, prd=breaks, metric="Planning time for a 40-stop route with breaks",
            comparator="<=", target=Decimal("3"), unit="s", context="one depot, 60 routes",
        )  # fmt: skip
        for reviewer in ("priya", "diego"):
            services.review_request(by=self.maya, prd=breaks, reviewer=self.people[reviewer])
        self._transition("breaks", PrdStatus.IN_REVIEW)
        self._review(
            "breaks",
            self.priya,
            Verdict.APPROVED,
            "The rules are right, and the infringement metric is the one Baltic Express asked "
            "us for.",
        )
        self._review(
            "breaks",
            self.diego,
            Verdict.CHANGES_REQUESTED,
            "The split break (15 + 30 minutes) is in the goals but no criterion tests it, and "
            "the plan must accept a 30-minute break when the driver already took the 15. Please "
            "add one.",
        )
        split = services.comment_create(
            by=self.diego,
            prd=breaks,
            criterion=self.criteria["breaks"][0],
            body="Most of Baltic's drivers split the break: 15 minutes at loading, 30 later. This "
            "criterion would put a full 45 minutes in their plan.",
        )
        services.comment_create(
            by=self.maya,
            prd=breaks,
            parent=split,
            body="Right, I'll add a split-break criterion and ask Baltic for a week of "
            "tachograph files to test it against.",
        )
        services.comment_create(
            by=self.priya,
            prd=breaks,
            body="Parking data: let's start with our customers' own lists; a commercial database "
            "can wait for the next iteration.",
        )
        self.prds["shipper"] = services.prd_create(
            by=self.maya,
            product=self.product,
            title=SHIPPER_TITLE,
            owner=self.people["maya"],
            template=PrdTemplate.objects.get(product=None, name=STANDARD_TEMPLATE),
            body=SHIPPER_BODY,
            roadmap_items=self.items("eta-api", "webhooks"),
        )
        self._criteria("shipper", SHIPPER_CRITERIA)
        self.history.mark(2, 1)

    def align_times(self) -> None:
        """Give the PRDs' rows the times their activity entries tell (call after
        ``history.write()``)."""
        align_times(self.product, [prd.pk for prd in self.prds.values()])


def _entries(product: Product, model: type[models.Model]):
    return Activity.objects.filter(
        product=product, target_type=ContentType.objects.get_for_model(model)
    ).order_by("id")


def align_times(product: Product, prd_ids: list[int]) -> None:
    """Dates the PRDs' rows after their activity entries: creation times, the PRD's last change,
    reviews' verdicts, and each revision (of the PRD, of a contract) at the entry that made it."""
    prds = Prd.objects.filter(pk__in=prd_ids)
    children = {
        model: model.objects.filter(prd__in=prds)
        for model in (
            AcceptanceCriterion,
            ApiContract,
            PerformanceExpectation,
            Decision,
            Review,
            Comment,
        )
    }
    for model, rows in [(Prd, prds), *children.items()]:
        ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
        created = _entries(product, model).filter(verb="created", target_id__in=ids)
        for target, when in created.values_list("target_id", "created_at"):
            model.objects.filter(pk=int(target)).update(created_at=when)
    reviews = [str(pk) for pk in children[Review].values_list("pk", flat=True)]
    for model, entries, stamp in (
        (Prd, _entries(product, Prd).filter(target_id__in=[str(pk) for pk in prd_ids]), "updated_at"),
        (Review, _entries(product, Review).filter(target_id__in=reviews, verb="reviewed"), "decided_at"),
    ):  # fmt: skip
        latest = dict(
            entries.order_by()
            .values("target_id")
            .annotate(last=models.Max("created_at"))
            .values_list("target_id", "last")
        )
        for target, when in latest.items():
            model.objects.filter(pk=int(target)).update(**{stamp: when})
    _align_revisions(
        product,
        Prd,
        PrdRevision,
        "prd",
        prd_ids,
        lambda entry: (
            entry.verb == "created" or bool(set(services.REVISED_FIELDS) & set(entry.changes))
        ),
    )
    contracts = list(children[ApiContract].values_list("pk", flat=True))
    _align_revisions(
        product,
        ApiContract,
        ApiContractRevision,
        "contract",
        contracts,
        lambda entry: entry.verb == "created" or "document" in entry.changes,
    )


def _align_revisions(product, model, revision_model, parent: str, ids, made_revision) -> None:
    """Revision n of a row happened at the n-th of its entries that made a revision."""
    moments: dict[str, list] = {}
    for entry in _entries(product, model).filter(target_id__in=[str(pk) for pk in ids]):
        if made_revision(entry):
            moments.setdefault(entry.target_id, []).append(entry.created_at)
    for target, times in moments.items():
        revisions = revision_model.objects.filter(**{f"{parent}_id": int(target)})
        for number, when in enumerate(times, start=1):
            revisions.filter(number=number).update(created_at=when)


# --- The benchmark PRD (seed_demo --size large) ------------------------------------------------

LARGE_TITLE = "Atlas for enterprise fleets: planning, tracking and proof at 5,000 trucks"
LARGE_WORDS = 20_000
LARGE_CRITERIA = 100
LARGE_REVISIONS = 200
# Revision numbers that change the status instead of the text; every other one edits a section.
LARGE_IN_REVIEW_AT, LARGE_APPROVED_AT = LARGE_REVISIONS - 3, LARGE_REVISIONS
LARGE_COMMENT_THREADS = 24  # half on the PRD, half on criteria; each of the first 12 gets a reply
LARGE_DAYS = 150  # revision 1 was saved this many days ago, the last one yesterday

CHAPTERS = [
    ("Context and scope", ["Who runs 5,000 trucks", "What enterprise carriers asked for", "What stays out of scope", "How this plan relates to the roadmap", "Glossary of planning terms"]),
    ("Planning at scale", ["Multi-depot optimisation", "Planning horizons", "Solver time budgets", "Planner collaboration", "Plan versioning"]),
    ("Routing engine", ["Road network updates", "Truck restrictions", "Traffic profiles", "Low-emission zones", "Ferry and rail legs"]),
    ("Live tracking", ["GPS ingestion", "Gap smoothing", "Geofences", "Map performance", "Telematics vendors"]),
    ("ETA computation", ["The ETA model", "Dwell time at customer sites", "Driver breaks in the ETA", "ETA confidence", "Recalculation triggers"]),
    ("Driver app", ["Offline-first sync", "Navigation hand-off", "Proof of delivery capture", "Battery and data usage", "Device management"]),
    ("Customer communication", ["The tracking page", "Arrival notifications", "The shipper API", "Webhooks for shippers", "Delivery feedback"]),
    ("Compliance", ["Driving-time rules", "Tachograph downloads", "Infringement warnings", "Reports for auditors", "Data retention"]),
    ("Data platform", ["Event storage", "The reporting warehouse", "Data exports", "Backfills", "Data quality checks"]),
    ("Reliability and operations", ["Service level objectives", "Incident response", "Capacity planning", "Disaster recovery", "The release process"]),
    ("Security and privacy", ["Tenant isolation", "Access roles", "Drivers' personal data", "The audit log", "Penetration testing"]),
    ("Rollout and migration", ["Pilot carriers", "Migrating existing plans", "Training dispatchers", "Pricing and packaging", "The success review"]),
]  # fmt: skip

SENTENCES = [
    "For {segment}, {subject} is where a large part of the planning day goes.",
    "{account} told us that {subject} costs each of their dispatchers about {hours} hours a week.",
    "The current design handles {subject} well for fleets of up to {vehicles} vehicles; beyond that, {problem}.",
    "We propose to treat {subject} as part of the plan itself rather than as a setting hidden in the depot profile.",
    "The {component} owns {subject}, and every other service reads it through the {interface}.",
    "When {event}, the {component} recomputes only the routes affected, never the whole day.",
    "That keeps a re-plan under {ms} ms at the 95th percentile for a depot of {depot} vehicles.",
    "If the data is missing or older than {minutes} minutes, we fall back to {fallback} and say so on screen.",
    "Planners can override the result; the override is kept with its author and reason, and shows in the activity log.",
    "None of this changes the API for existing integrations: fields are added, none is removed or renamed.",
    "We measured the current behaviour at {account} over {weeks} weeks of real traffic.",
    "Most of the outliers come from {outlier}, which the first version handles as a special case.",
    "The open question is whether {question}.",
    "{role} need to see {subject} at a glance, without opening another screen.",
    "Engineering estimates {weeks} weeks for a first version, with two engineers from the {team} team.",
    "A shadow run next to the current implementation comes first, on {pct} % of {unit}.",
    "Support gets a runbook before the pilot, and a dashboard that shows {subject} per carrier.",
    "In interviews, {people} described {subject} as the part of the day they trust least.",
    "The cost of getting {subject} wrong is rarely visible on the day; it shows up in the monthly punctuality report.",
    "Large carriers run several depots with different habits, so every default for {subject} can be set per depot.",
    "The {component} already publishes an event for every change, so {subject} needs no new integration.",
    "We keep the rules for {subject} in data, not in code, so support can adjust them for a carrier without a release.",
    "Every decision the system makes about {subject} comes with one sentence a dispatcher can read out to a customer.",
    "At {vehicles} vehicles the nightly batch takes {batch} minutes, which is why this work moves it into the day.",
    "{account} agreed to pilot it, which gives us a multi-depot operation with {vehicles} vehicles to learn from.",
    "Drivers see the outcome in Atlas Driver App, where the change appears at their next sync.",
    "The {team} team reviewed the approach and asked for a switch per carrier, which the rollout plan includes.",
    "Where the law is involved, the plan errs on the side of the driver's rest, never of the delivery window.",
    "The data behind {subject} stays in the carrier's region, like every other piece of operational data.",
    "An operations manager should be able to tell from the weekly report whether {subject} got better or worse.",
    "We deliberately keep {subject} boring: the same screens, the same words, one more column.",
    "Alternatives were considered and rejected; the decision records of this PRD weigh them.",
    "The {component} is the only writer; everything else caches what it reads and lets it expire within {minutes} minutes.",
    "For a depot that has never used {subject}, the first week runs in advisory mode: suggestions, no changes.",
    "Feedback from the pilot goes into the {team} team's backlog, tagged with the carrier and the route.",
    "Nothing here needs new hardware in the trucks; it works with the telematics units carriers already have.",
]
BULLETS = [
    "{role} see {subject} next to each route.",
    "The {component} keeps the history of {subject} for {retention} days.",
    "Every change to {subject} shows in the activity log, with who made it and why.",
    "A carrier can switch {subject} off for one depot.",
    "Exports carry {subject} as a column of its own.",
    "An alert fires when {subject} degrades for more than {minutes} minutes.",
    "The API exposes {subject} read-only, behind the same tokens as the rest.",
    "Support sees {subject} for any carrier that has granted access.",
]
VOCABULARY = {
    "segment": ["carriers with more than 1,000 trucks", "multi-depot carriers", "cross-border carriers", "food distributors with tight windows", "line-haul operators"],
    "account": ["Nordline Haulage", "Baltic Express Freight", "Rhein Cargo", "Iberia Transportes", "Kestrel Foods Distribution", "Maple Route Logistics", "Fjordline Transport", "Danube Logistics", "Alpine Freight Partners", "Celtic Cargo Lines"],
    "component": ["planning service", "routing engine", "ETA engine", "telematics gateway", "notification service", "reporting warehouse"],
    "interface": ["internal events API", "nightly plan snapshot", "ETA cache", "route contract"],
    "event": ["a driver reports a delay", "a stop is added after departure", "motorway traffic changes the travel times", "a vehicle breaks down", "a customer moves the time window"],
    "fallback": ["the planned times", "the historical profile for that hour", "the depot's default", "the last value we trusted"],
    "outlier": ["ferries", "border crossings", "depots that load late", "customer sites without a loading bay", "GPS gaps in tunnels"],
    "role": ["Dispatchers", "Planners", "Operations managers", "Drivers", "Customer service agents"],
    "people": ["dispatchers", "planners", "operations managers", "drivers"],
    "team": ["Routing", "Telematics", "Delivery", "Mobile", "Platform", "Data"],
    "unit": ["routes", "depots", "vehicles", "stops"],
    "question": ["planners want this per depot or per customer", "the default should be cautious or optimistic", "the existing depot profile can hold it", "carriers accept a second nightly job"],
    "problem": ["the solver runs out of its time budget", "the map stops being usable", "the nightly jobs run into the morning shift", "support cannot explain the result"],
    "hours": ["two", "three", "four", "six"],
    "vehicles": ["300", "800", "1,200", "2,500", "5,000"],
    "depot": ["60", "120", "150", "200"],
    "ms": ["150", "200", "250", "400"],
    "minutes": ["2", "5", "10", "15"],
    "weeks": ["two", "three", "four", "six"],
    "pct": ["5", "10", "20", "25"],
    "batch": ["40", "75", "110", "180"],
    "retention": ["30", "90", "400"],
}  # fmt: skip

CODE_SAMPLES = [
    """```json
{{
  "type": "{slug}.changed",
  "carrier_id": {number},
  "depot_id": "DUS-{depot}",
  "route_id": {route},
  "changed_by": "planner",
  "changed_at": "2025-03-14T09:58:31+01:00"
}}
```""",
    """```sql
SELECT depot_id, count(*) AS stops, avg(delay_minutes) AS average_delay
FROM stops
WHERE carrier_id = {number} AND planned_on = current_date
GROUP BY depot_id
ORDER BY average_delay DESC;
```""",
    """```yaml
{slug}:
  enabled: true
  depots: [DUS-{depot}, HAM-2]
  refresh_minutes: {minutes}
  fallback: planned_times
```""",
    """```python
def {slug}_due(route, now):
    \"\"\"Whether the route's {subject} must be recomputed.\"\"\"
    return route.changed_at > route.computed_at or now - route.computed_at > {minutes} * MINUTE
```""",
]


class _Slots(dict):
    """Format slots: the section's own, else a word drawn from ``VOCABULARY``."""

    def __init__(self, rng: random.Random, **fixed):
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        return self.rng.choice(VOCABULARY[key])


@dataclass
class Section:
    """One heading and what follows it, up to the next heading: the unit that is rendered once
    per text it ever has. ``edits`` are sentences added to its paragraphs, one per revision."""

    heading: str
    subject: str
    blocks: list[str] = field(default_factory=list)
    paragraphs: list[int] = field(default_factory=list)
    edits: list[tuple[int, str]] = field(default_factory=list)

    def text(self, applied: int) -> str:
        blocks = list(self.blocks)
        for index, sentence in self.edits[:applied]:
            blocks[index] += " " + sentence
        return "\n\n".join([self.heading, *blocks])


def _slug(subject: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", subject.lower()).strip("_")


class _Writer:
    """Prose about one subject from the templates above: always the same for one seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def sentence(self, subject: str) -> str:
        return self.rng.choice(SENTENCES).format_map(self.slots(subject))

    def paragraph(self, subject: str) -> str:
        return " ".join(self.sentence(subject) for _ in range(self.rng.randint(4, 7)))

    def bullets(self, subject: str) -> str:
        lines = self.rng.sample(BULLETS, self.rng.randint(3, 5))
        return "\n".join("- " + line.format_map(self.slots(subject)) for line in lines)

    def table(self, subject: str) -> str:
        rows = [
            f"| {account} | {self.rng.randint(80, 5000):,} | {self.rng.randint(1, 14)} "
            f"| {self.rng.randint(55, 85)} % | {self.rng.randint(86, 98)} % |"
            for account in self.rng.sample(VOCABULARY["account"], 4)
        ]
        head = f"| Carrier | Vehicles | Depots | {subject.capitalize()} today | Target |"
        return "\n".join([head, "|---|---:|---:|---:|---:|", *rows])

    def code(self, subject: str) -> str:
        return self.rng.choice(CODE_SAMPLES).format_map(
            self.slots(
                subject,
                slug=_slug(subject),
                number=self.rng.randint(1000, 9999),
                route=self.rng.randint(10000, 99999),
            )
        )

    def slots(self, subject: str, **fixed) -> _Slots:
        return _Slots(self.rng, subject=subject, Subject=subject.capitalize(), **fixed)


def large_sections(rng: random.Random) -> tuple[list[Section], list[int]]:
    """The benchmark PRD's text as sections, with the edits its revisions make, and the order
    of those edits (the section each one changes): the final text has ``LARGE_WORDS`` words or a
    few more."""
    writer = _Writer(rng)
    sections = []
    for number, (chapter, subsections) in enumerate(CHAPTERS, start=1):
        intro = Section(f"## {number}. {chapter}", chapter.lower())
        intro.blocks.append(writer.paragraph(intro.subject))
        intro.paragraphs.append(0)
        sections.append(intro)
        for sub, title in enumerate(subsections, start=1):
            section = Section(f"### {number}.{sub} {title}", title[0].lower() + title[1:])
            # A paragraph, maybe a list, table or code, then prose again: a section never ends
            # with a fenced block, whose HTML ends differently at the end of a document.
            section.paragraphs.append(0)
            section.blocks.append(writer.paragraph(section.subject))
            extra = rng.random()
            if extra < 0.4:
                section.blocks.append(writer.bullets(section.subject))
            elif extra < 0.6:
                section.blocks.append(writer.table(section.subject))
            elif extra < 0.8:
                section.blocks.append(writer.code(section.subject))
            section.paragraphs.append(len(section.blocks))
            section.blocks.append(writer.paragraph(section.subject))
            sections.append(section)
    edits = LARGE_REVISIONS - 1 - 2  # every revision but the first and the two status changes
    planned = [rng.randrange(len(sections)) for _ in range(edits)]
    planned = [(index, writer.sentence(sections[index].subject)) for index in planned]
    words = sum(len(sentence.split()) for _, sentence in planned)

    def total() -> int:
        return words + sum(len(section.text(0).split()) for section in sections)

    position = 0
    while total() < LARGE_WORDS:
        # More paragraphs, round the subsections, until the text is long enough.
        section = sections[position % len(sections)]
        position += 1
        if section.heading.startswith("### "):
            section.paragraphs.append(len(section.blocks))
            section.blocks.append(writer.paragraph(section.subject))
    for index, sentence in planned:
        section = sections[index]
        section.edits.append((rng.choice(section.paragraphs), sentence))
    return sections, [index for index, _ in planned]


class _Renderer:
    """Each section's HTML, rendered once per text it has; a body's HTML is its sections'."""

    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._cache: dict[tuple[int, int], Rendered] = {}
        self.renders = 0

    def body(self, applied: list[int]) -> str:
        return "\n\n".join(s.text(n) for s, n in zip(self.sections, applied, strict=True)) + "\n"

    def rendered(self, applied: list[int]) -> Rendered:
        parts = []
        for index, count in enumerate(applied):
            key = (index, count)
            if key not in self._cache:
                self._cache[key] = render(self.sections[index].text(count))
                self.renders += 1
            parts.append(self._cache[key])
        return Rendered(
            html="\n".join(part.html for part in parts),
            toc=[entry for part in parts for entry in part.toc],
        )

    def agrees_with_whole_renders(self, *states: list[int]) -> bool:
        """Whether rendering by section gives what rendering the whole body gives (it does
        while headings are unique and nothing refers across sections), up to the order of a
        tag's attributes, which the sanitiser does not keep stable from one call to the next."""
        for state in states:
            by_section, whole = self.rendered(state), render(self.body(state))
            if by_section.toc != whole.toc or canonical(by_section.html) != canonical(whole.html):
                return False
        return True


_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>/]+(?:=\"[^\"]*\")?)+)\s*(/?)>")
_ATTRIBUTE = re.compile(r"\s+[^\s=>/]+(?:=\"[^\"]*\")?")


def canonical(html: str) -> str:
    """``html`` with each tag's attributes in alphabetical order."""
    return _TAG.sub(
        lambda tag: f"<{tag[1]}{''.join(sorted(_ATTRIBUTE.findall(tag[2])))}{tag[3]}>", html
    )


@dataclass
class LargeRevision:
    number: int
    applied: list[int]
    status: str
    summary: str
    author: object
    created_at: datetime.datetime


def _large_revisions(sections, edits, people, rng: random.Random, now) -> list[LargeRevision]:
    """Revision 1 is the first full draft; each later one adds a sentence to one section (in
    the order ``edits`` names them), but for the move to review and the approval."""
    applied = [0] * len(sections)
    revisions = []
    start = now - datetime.timedelta(days=LARGE_DAYS)
    step = (datetime.timedelta(days=LARGE_DAYS) - datetime.timedelta(days=1)) / LARGE_REVISIONS
    status, pending = PrdStatus.DRAFT, iter(edits)
    for number in range(1, LARGE_REVISIONS + 1):
        author = people["priya"] if number % 9 == 0 else people["maya"]
        if number == 1:
            summary = "First full draft"
        elif number == LARGE_IN_REVIEW_AT:
            status, summary = PrdStatus.IN_REVIEW, "Draft → In review"
            author = people["maya"]
        elif number == LARGE_APPROVED_AT:
            status, summary = PrdStatus.APPROVED, "In review → Approved"
            author = people["maya"]
        else:
            index = next(pending)
            applied[index] += 1
            verb = rng.choice(["Clarified", "Tightened", "Added a note to", "Answered a review on"])
            summary = f"{verb} {sections[index].heading.lstrip('# ')}"
        revisions.append(
            LargeRevision(
                number=number,
                applied=list(applied),
                status=status,
                summary=summary,
                author=author,
                created_at=start + step * (number - 1),
            )
        )
    return revisions


GIVENS = [
    "a carrier with {vehicles} vehicles spread over several depots",
    "a dispatcher with {subject} switched on for the depot",
    "a route of 40 stops planned the evening before",
    "a driver whose app has been offline for {minutes} minutes",
    "a depot using {subject} for the first week (advisory mode)",
    "a planner who overrode the result for one route",
]
WHENS = [
    "the planner re-plans the depot at 11:00",
    "the first vehicle leaves the depot",
    "{event}",
    "the dispatcher opens the route",
    "the nightly export runs",
    "support opens the carrier's dashboard",
]
THENS = [
    "{subject} is updated within {minutes} minutes and the change shows in the activity log",
    "the dispatcher sees {subject} on the map without reloading",
    "nothing changes for the other depots of the carrier",
    "the override is kept, with its author and reason",
    "the export has one row per stop with {subject} as its own column",
    "the result can be explained in one sentence on the route's page",
]
TEXT_CRITERIA = [
    "{Subject} never blocks the dispatch board: if it fails, the board shows the last value with its age.",
    "{Subject} works the same for a carrier of 80 vehicles and one of 5,000; only the time budget grows.",
    "Every change to {subject} is in the activity log, with who made it and through which channel.",
    "{Subject} can be switched off per depot without a release.",
]
COMMENTS = [
    "Does this hold for **{account}**? Their depots load late and {subject} assumes they don't.",
    "We measured this last week: the p95 was {ms} ms at {vehicles} vehicles. Good enough for the pilot.",
    "Can we keep `{slug}` out of the public API until the pilot is over?",
    "Support asked for a runbook entry on {subject} before this goes live.",
    "I'd rather start in advisory mode for {subject}; planners trust what they can overrule.",
    "This needs the {team} team's review: they own the {component}.",
]
REPLIES = [
    "Agreed, I'll change the text.",
    "Yes: the pilot starts in advisory mode and we switch per depot.",
    "Good point. Added to the open questions with an owner.",
    "Checked with the {team} team: fine as written.",
]
STATUSES = (
    [CriterionStatus.MET] * 45 + [CriterionStatus.OPEN] * 40
    + [CriterionStatus.FAILED] * 8 + [CriterionStatus.WAIVED] * 7
)  # fmt: skip


def large_prd(product: Product) -> Prd | None:
    """The benchmark product's PRD, if it was generated (recognised as its first PRD, not by
    its title, which anyone may change)."""
    return Prd.objects.filter(product=product).order_by("pk").first()


@transaction.atomic
def seed_large_prd(product: Product, people: dict) -> tuple[Prd, bool]:
    """The benchmark product's PRD (20,000 words, 100 criteria, 200 revisions, comments) and
    whether it was created now. A product with any PRD already gets none."""
    existing = large_prd(product)
    if existing is not None:
        return existing, False
    rng = random.Random(LARGE_WORDS)  # noqa: S311 - reproducible test data, not security
    now = timezone.now()
    sections, edits = large_sections(rng)
    revisions = _large_revisions(sections, edits, people, rng, now)
    renderer = _Renderer(sections)
    by_section = renderer.agrees_with_whole_renders(revisions[0].applied, revisions[-1].applied)
    final = renderer.body(revisions[-1].applied)
    prd = Prd.objects.create(
        product=product,
        title=LARGE_TITLE,
        status=PrdStatus.APPROVED,
        owner=people["maya"],
        body=final,
        version=LARGE_REVISIONS,
    )
    prd.roadmap_items.set(
        RoadmapItem.objects.filter(product=product, theme="ETA accuracy").order_by("id")[:4]
    )
    current = _bulk_revisions(prd, revisions, renderer, by_section)
    Prd.objects.filter(pk=prd.pk).update(
        current_revision=current,
        created_at=revisions[0].created_at,
        updated_at=revisions[-1].created_at,
    )
    prd.refresh_from_db()
    criteria = _large_criteria(prd, sections, rng)
    comments = _large_comments(prd, sections, criteria, people, rng, now)
    _large_reviews(prd, people, revisions)
    _large_expectations_and_decisions(prd, people, now)
    activity_record(
        actor=Actor.task("seed_demo --size large", user=people["maya"]),
        verb="generated",
        target=prd,
        product=product,
        values={
            "words": len(final.split()),
            "revisions": LARGE_REVISIONS,
            "acceptance criteria": len(criteria),
            "comments": comments,
        },
    )
    return prd, True


def _bulk_revisions(prd, revisions, renderer: _Renderer, by_section: bool) -> PrdRevision:
    """Writes the revisions in batches (a revision holds about 250 kB of text and HTML); returns
    the last one."""
    batch: list[PrdRevision] = []
    last = None
    for revision in revisions:
        state = revision.applied
        # Whole renders are only the fallback (never needed so far): correct, only slower.
        rendered = renderer.rendered(state) if by_section else render(renderer.body(state))
        batch.append(
            PrdRevision(
                prd=prd,
                number=revision.number,
                author=revision.author,
                summary=revision.summary,
                title=prd.title,
                status=revision.status,
                owner_name=prd.owner.get_full_name(),
                body=renderer.body(state),
                body_html=rendered.html,
                toc=rendered.toc,
            )
        )
        if len(batch) == 20 or revision is revisions[-1]:
            created = PrdRevision.objects.bulk_create(batch)
            # created_at is auto_now_add, which bulk_create fills in with now.
            sources = revisions[revision.number - len(batch) : revision.number]
            for row, source in zip(created, sources, strict=True):
                row.created_at = source.created_at
            PrdRevision.objects.bulk_update(created, ["created_at"])
            last = created[-1]
            batch = []
    return last


def _large_criteria(prd, sections, rng: random.Random) -> list[AcceptanceCriterion]:
    writer = _Writer(rng)
    subsections = [section for section in sections if section.heading.startswith("### ")]
    statuses = list(STATUSES)
    rng.shuffle(statuses)
    rows = []
    for number in range(LARGE_CRITERIA):
        subject = subsections[number % len(subsections)].subject
        slots = writer.slots(subject)
        if number % 5 == 4:
            values = {"kind": CriterionKind.TEXT, "text": rng.choice(TEXT_CRITERIA)}
        else:
            values = {
                "kind": CriterionKind.SCENARIO,
                "given": rng.choice(GIVENS),
                "when": rng.choice(WHENS),
                "then": rng.choice(THENS),
            }
        values = {
            key: value if key == "kind" else value.format_map(slots)
            for key, value in values.items()
        }
        # As prds.services stores it: every part, rendered ("" renders to "").
        html = {
            part: render_html(values[part]) if values.get(part) else ""
            for part in ("given", "when", "then", "text")
        }
        rows.append(
            AcceptanceCriterion(
                prd=prd,
                status=statuses[number],
                rank=(number + 1) * services.RANK_STEP,
                html=html,
                **values,
            )
        )
    return AcceptanceCriterion.objects.bulk_create(rows)


def _large_comments(prd, sections, criteria, people, rng: random.Random, now) -> int:
    writer = _Writer(rng)
    authors = [people["diego"], people["priya"], people["maya"]]
    roots = []
    for number in range(LARGE_COMMENT_THREADS):
        subject = rng.choice(sections).subject
        body = rng.choice(COMMENTS).format_map(writer.slots(subject, slug=_slug(subject)))
        roots.append(
            Comment(
                prd=prd,
                criterion=criteria[number * 4] if number % 2 else None,
                author=authors[number % 2],
                body=body,
                body_html=render_html(body),
            )
        )
    roots = Comment.objects.bulk_create(roots)
    replies = []
    for root in roots[: LARGE_COMMENT_THREADS // 2]:
        body = rng.choice(REPLIES).format_map(writer.slots(""))
        replies.append(
            Comment(
                prd=prd,
                criterion_id=root.criterion_id,
                parent=root,
                author=people["maya"],
                body=body,
                body_html=render_html(body),
            )
        )
    replies = Comment.objects.bulk_create(replies)
    start = now - datetime.timedelta(days=100)
    for number, root in enumerate(roots):
        root.created_at = start + datetime.timedelta(days=4 * number, hours=2)
    for reply in replies:
        reply.created_at = reply.parent.created_at + datetime.timedelta(hours=3)
    Comment.objects.bulk_update([*roots, *replies], ["created_at"])
    return len(roots) + len(replies)


def _large_reviews(prd, people, revisions) -> None:
    approved_on = revisions[-2].number
    decided = revisions[-1].created_at - datetime.timedelta(hours=2)
    reviews = Review.objects.bulk_create(
        Review(
            prd=prd,
            reviewer=people[username],
            requested_by=people["maya"],
            verdict=Verdict.APPROVED,
            comment=comment,
            comment_html=render_html(comment),
            revision_number=approved_on,
            decided_at=decided,
        )
        for username, comment in (
            ("priya", "The plan is complete and the rollout is realistic. Approved."),
            ("diego", "Engineering agrees with the estimates in **Planning at scale**. Approved."),
        )
    )
    for review in reviews:
        review.created_at = revisions[LARGE_IN_REVIEW_AT - 1].created_at
    Review.objects.bulk_update(reviews, ["created_at"])


def _large_expectations_and_decisions(prd, people, now) -> None:
    PerformanceExpectation.objects.bulk_create(
        PerformanceExpectation(prd=prd, position=position, metric=metric, comparator=comparator,
                               target=Decimal(target), unit=unit, context=context)
        for position, (metric, comparator, target, unit, context) in enumerate([
            ("p95 re-plan time of one depot", "<=", "400", "ms", "150 vehicles, 40 stops each"),
            ("Live map frame time", "<=", "16", "ms", "5,000 vehicles, clustered"),
            ("ETA age on any screen", "<=", "120", "s", "from the ETA engine to the page"),
            ("Monthly availability of planning", ">=", "99.9", "%", "excluding announced maintenance"),
        ])
    )  # fmt: skip
    context = "Planning 5,000 trucks in one solver run takes 40 minutes; planners need minutes."
    Decision.objects.bulk_create(
        [
            Decision(
                prd=prd,
                title="Plan per depot, then balance across depots",
                context=context,
                context_html=render_html(context),
                options=[
                    {"name": "One solver run per carrier", "cost": "None", "scalability": "Poor above 1,000 trucks",
                     "maintenance": "Low", "business_impact": "Plans arrive after the morning shift starts"},
                    {"name": "Per depot, then balance", "cost": "Six weeks", "scalability": "Linear in depots",
                     "maintenance": "A balancing step to own", "business_impact": "Plans in minutes; slightly less optimal"},
                ],
                choice="Per depot, then balance across depots.",
                decided_by=people["diego"],
                decided_on=timezone.localdate(now) - datetime.timedelta(days=60),
            )
        ]
    )  # fmt: skip
