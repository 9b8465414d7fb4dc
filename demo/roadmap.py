"""The demo product's roadmap: one quarter of a freight-software company, told as a history.

Everything is written through ``roadmaps.services`` by the demo people (``Actor.task``), chapter
by chapter, and each chapter's activity entries are then dated back to when it "happened": the
roadmap was planned two months ago, a release shipped three weeks ago, a baseline was frozen two
weeks ago and the plan moved since, so the activity log, the late flags and the snapshot compare
all have something true to say on the first visit.

Dates are offsets in days from today, so the story stays current whenever it is seeded.
"""

# ruff: noqa: E501 - the plan below is a table, one item per line

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from products.activity import Actor
from products.models import Activity, Product
from roadmaps import services
from roadmaps.models import (
    ChecklistKind,
    Dependency,
    Importance,
    Insight,
    InsightSource,
    Lane,
    Objective,
    Release,
    Risk,
    RiskStatus,
    RoadmapItem,
    Status,
    Team,
)

TASK = "seed_demo"
SNAPSHOT_NAME = "Quarter plan, as agreed"

VISION = {
    "statement": (
        "Every freight carrier with 50 to 500 trucks runs its day from one screen: plans that "
        "respect the law, ETAs its customers can trust and proof of every delivery, without a "
        "single phone call."
    ),
    "target_users": (
        "Dispatchers and transport planners at mid-size carriers; their drivers, through Atlas "
        "Driver App; the operations managers and shippers who need to know where the goods are."
    ),
    "horizon_1y": (
        "ETAs within 15 minutes for 9 stops in 10; tachograph data and driving-time rules built "
        "into every plan; paperless proof of delivery as the default."
    ),
    "horizon_3y": (
        "The carrier's operating system: shippers book, track and settle in a shipper portal; "
        "planning optimises across depots, costs and emissions."
    ),
    "horizon_5y": (
        "Self-planning fleets: the plan adapts to traffic, breaks and customer time windows on "
        "its own, and dispatchers handle only the exceptions."
    ),
}

# key: (title, description, [(key result, target, current, unit), ...])
OBJECTIVES = {
    "eta": (
        "Make ETAs customers can trust",
        "Customers stop calling dispatch to ask where the truck is.",
        [
            ("Stops delivered within ±15 min of the ETA", 90, 74, "%"),
            ("Stops with a live ETA shared with the customer", 100, 64, "%"),
        ],
    ),
    "eu": (
        "Make EU driving-time compliance effortless",
        "Tachograph data and the 561/2006 rules live in the plan, not in a spreadsheet.",
        [
            ("Fleets syncing tachograph data", 120, 47, "fleets"),
            ("Infringements warned about before they happen", 95, 40, "%"),
        ],
    ),
    "pod": (
        "Go paperless on proof of delivery",
        "Every stop closes with photos and a signature the shipper can see the same day.",
        [
            ("Stops closed with electronic proof", 80, 52, "%"),
            ("Delivery disputes resolved within one working day", 90, 71, "%"),
        ],
    ),
}

ROUTING, TELEMATICS, DELIVERY = "Routing & ETA", "Telematics", "Delivery Experience"
TEAMS = [(ROUTING, 34), (TELEMATICS, 28), (DELIVERY, 30)]

ETA, EU, POD = "ETA accuracy", "EU compliance", "Proof of delivery"
DISPATCH, PLANNING, INTEGRATIONS = "Dispatcher productivity", "Route planning", "Integrations"

DONE, IN_PROGRESS, PLANNED = Status.DONE, Status.IN_PROGRESS, Status.PLANNED
AT_RISK, BLOCKED = Status.AT_RISK, Status.BLOCKED
NOW, NEXT, LATER = Lane.NOW, Lane.NEXT, Lane.LATER


class Plan(NamedTuple):
    """An item as the quarter plan had it; ``start``/``end`` are days from today."""

    key: str
    team: str
    title: str
    theme: str
    status: str
    lane: str
    start: int | None
    end: int | None
    confidence: int
    objectives: tuple[str, ...] = ()


# One item per line: the plan reads as a table.
# fmt: off
PLAN = [
    Plan("traffic-model", ROUTING, "Historical traffic model for ETAs", ETA, DONE, NOW, -120, -62, 95, ("eta",)),
    Plan("eta-refresh", ROUTING, "ETA recalculation every two minutes", ETA, DONE, NOW, -70, -33, 90, ("eta",)),
    Plan("eta-engine", ROUTING, "Live ETA engine v2", ETA, IN_PROGRESS, NOW, -30, 10, 70, ("eta",)),
    Plan("dwell-time", ROUTING, "Dwell-time prediction per customer site", ETA, IN_PROGRESS, NOW, -14, 30, 60, ("eta",)),
    Plan("truck-restrictions", ROUTING, "Truck restrictions: height, weight, hazmat", PLANNING, IN_PROGRESS, NOW, -20, 15, 60),
    Plan("break-planning", ROUTING, "Driver breaks in route plans (EU 561/2006)", EU, PLANNED, NEXT, 10, 50, 60, ("eu",)),
    Plan("multi-depot", ROUTING, "Multi-depot route optimisation", PLANNING, PLANNED, NEXT, 20, 75, 50),
    Plan("time-windows", ROUTING, "Time-window aware re-planning", ETA, PLANNED, NEXT, 35, 90, 45, ("eta",)),
    Plan("eta-api", ROUTING, "ETA API for shippers", INTEGRATIONS, PLANNED, NEXT, 30, 70, 55, ("eta",)),
    Plan("excel-import", ROUTING, "Route plan import from Excel", DISPATCH, DONE, NOW, -95, -50, 90),
    Plan("fuel-routing", ROUTING, "Fuel-cost aware routing", PLANNING, PLANNED, NEXT, 40, 80, 40),
    Plan("lez-routing", ROUTING, "Low-emission zone routing", EU, PLANNED, LATER, None, None, 30, ("eu",)),
    Plan("what-if", ROUTING, "What-if scenarios for planners", DISPATCH, PLANNED, LATER, None, None, 25),
    Plan("connectors", TELEMATICS, "Samsara and Geotab connectors", INTEGRATIONS, DONE, NOW, -100, -40, 90),
    Plan("map-clustering", TELEMATICS, "Live map clustering for 500+ vehicles", DISPATCH, DONE, NOW, -60, -25, 85),
    Plan("gps-smoothing", TELEMATICS, "GPS gap smoothing", ETA, IN_PROGRESS, NOW, -45, -10, 80, ("eta",)),
    Plan("tacho-sync", TELEMATICS, "Tachograph data sync (VDO, Stoneridge)", EU, IN_PROGRESS, NOW, -25, 28, 65, ("eu",)),
    Plan("driving-time", TELEMATICS, "Remaining driving time on the live map", EU, PLANNED, NEXT, 30, 60, 55, ("eu",)),
    Plan("infringement-warnings", TELEMATICS, "Infringement early warnings", EU, PLANNED, NEXT, 45, 100, 45, ("eu",)),
    Plan("geofence-arrival", TELEMATICS, "Geofence arrival detection", ETA, IN_PROGRESS, NOW, -10, 20, 70, ("eta", "pod")),
    Plan("remote-download", TELEMATICS, "Remote tachograph download scheduling", EU, IN_PROGRESS, NOW, -5, 35, 50, ("eu",)),
    Plan("hours-report", TELEMATICS, "Driver hours report for auditors", EU, PLANNED, LATER, 105, 150, 40, ("eu",)),
    Plan("webhooks", TELEMATICS, "Telematics webhooks", INTEGRATIONS, PLANNED, NEXT, 10, 28, 60),
    Plan("cold-chain", TELEMATICS, "Cold-chain temperature alerts", INTEGRATIONS, PLANNED, LATER, None, None, 30),
    Plan("fault-codes", TELEMATICS, "Vehicle health and fault-code alerts", INTEGRATIONS, PLANNED, LATER, 180, 240, 25),
    Plan("trailer-tags", TELEMATICS, "Trailer tracking with Bluetooth tags", INTEGRATIONS, PLANNED, LATER, None, None, 20),
    Plan("photo-pod", DELIVERY, "Photo proof of delivery", POD, DONE, NOW, -110, -70, 95, ("pod",)),
    Plan("offline-signature", DELIVERY, "Offline signature capture", POD, DONE, NOW, -80, -35, 90, ("pod",)),
    Plan("exception-codes", DELIVERY, "Delivery exceptions with reason codes", POD, DONE, NOW, -50, -23, 90, ("pod",)),
    Plan("bulk-reassign", DELIVERY, "Bulk re-assign stops between drivers", DISPATCH, DONE, NOW, -40, -22, 90),
    Plan("tracking-page", DELIVERY, "Customer tracking page with live ETA", ETA, IN_PROGRESS, NOW, -21, 21, 65, ("eta", "pod")),
    Plan("arrival-notifications", DELIVERY, "Arrival notifications by SMS and e-mail", ETA, IN_PROGRESS, NOW, -7, 28, 60, ("eta",)),
    Plan("exception-inbox", DELIVERY, "Dispatcher inbox for exceptions", DISPATCH, AT_RISK, NOW, -12, 18, 45, ("pod",)),
    Plan("disputes", DELIVERY, "Dispute workflow for damaged goods", POD, PLANNED, LATER, None, None, 35, ("pod",)),
    Plan("pod-pdf", DELIVERY, "e-POD PDF export for shippers", POD, PLANNED, NEXT, 25, 45, 70, ("pod",)),
    Plan("shortcuts", DELIVERY, "Keyboard shortcuts for the dispatch board", DISPATCH, PLANNED, NEXT, 7, 35, 75),
    Plan("shipper-portal", DELIVERY, "Shipper portal", INTEGRATIONS, PLANNED, LATER, None, None, 20),
    Plan("returns", DELIVERY, "Returns and pickups on the same route", PLANNING, PLANNED, LATER, 150, 220, 30),
    Plan("feedback", DELIVERY, "Customer feedback after delivery", POD, PLANNED, LATER, None, None, 30, ("pod",)),
    Plan("paper-manifest", DELIVERY, "Paper manifest printing", DISPATCH, PLANNED, NEXT, 15, 30, 60),
]

# Added after the baseline was frozen (the compare view lists it as added).
LATE_ADDITION = Plan("accessibility", DELIVERY, "Accessibility review of the tracking page", POD, PLANNED, NEXT, 22, 35, 80, ("pod",))
# fmt: on

SUMMARIES = {
    "eta-engine": "Replaces the per-stop ETA with a model that learns each site's dwell time and "
    "the driver's break plan; shadow-runs next to v1 until it beats it on every region.",
    "tacho-sync": "Pulls driver cards and vehicle units every 15 minutes through the vendors' "
    "APIs, so the plan knows each driver's remaining driving time.",
    "tracking-page": "A link in the order confirmation shows the truck on a map, the live ETA "
    "and, after delivery, the photos and signature.",
    "break-planning": "Plans the 45-minute break after 4.5 hours of driving into the route "
    "instead of letting it surprise the ETA.",
    "exception-inbox": "One queue of everything drivers flagged (refused, damaged, nobody "
    "home) so dispatch resolves it before the customer calls.",
    "paper-manifest": "Printable manifests for depots that still hand paper to drivers.",
}

# blocker → blocked; several cross teams, and four blockers end after the item they block starts
# (late flags) once the baseline's slips are in.
DEPENDENCIES = [
    ("tacho-sync", "break-planning"),
    ("tacho-sync", "driving-time"),
    ("tacho-sync", "infringement-warnings"),
    ("eta-engine", "tracking-page"),
    ("eta-engine", "eta-api"),
    ("geofence-arrival", "arrival-notifications"),
    ("traffic-model", "eta-engine"),
    ("eta-refresh", "tracking-page"),
    ("connectors", "tacho-sync"),
    ("photo-pod", "pod-pdf"),
    ("exception-codes", "exception-inbox"),
    ("webhooks", "eta-api"),
    ("dwell-time", "time-windows"),
]
# Linked after the baseline was frozen.
LATER_DEPENDENCIES = [
    ("infringement-warnings", "hours-report"),
    ("tracking-page", "accessibility"),
]

# (account, source, importance, days ago, quote, item keys)
INSIGHTS = [
    ("Nordline Haulage", InsightSource.INTERVIEW, Importance.CRITICAL, 58,
     "Our dispatchers phone drivers twenty times a day just to tell customers when the truck "
     "will arrive.", ("tracking-page", "arrival-notifications", "eta-engine")),
    ("Nordline Haulage", InsightSource.SUPPORT, Importance.IMPORTANT, 41,
     "The ETA jumped from 14:10 to 15:30 when the driver took his break. Nobody had planned "
     "that break.", ("break-planning", "eta-engine")),
    ("Baltic Express Freight", InsightSource.SALES, Importance.CRITICAL, 52,
     "We will not renew without tachograph sync: we audit 140 drivers by hand every month.",
     ("tacho-sync", "hours-report")),
    ("Baltic Express Freight", InsightSource.INTERVIEW, Importance.IMPORTANT, 37,
     "Show me the remaining driving time next to every truck on the map.", ("driving-time",)),
    ("Rhein Cargo", InsightSource.INTERVIEW, Importance.CRITICAL, 45,
     "A warning before an infringement is worth more than any report after it.",
     ("infringement-warnings", "tacho-sync")),
    ("Rhein Cargo", InsightSource.SALES, Importance.IMPORTANT, 30,
     "We want our shipments' ETAs in our own TMS, not in another portal.",
     ("eta-api", "webhooks")),
    ("Iberia Transportes", InsightSource.SUPPORT, Importance.IMPORTANT, 33,
     "A dispute about a damaged pallet costs us a week of e-mails with photos attached.",
     ("disputes", "photo-pod")),
    ("Iberia Transportes", InsightSource.INTERVIEW, Importance.NICE_TO_HAVE, 26,
     "Our shippers' accountants ask for a PDF of the signed delivery note, every time.",
     ("pod-pdf",)),
    ("Kestrel Foods Distribution", InsightSource.SALES, Importance.CRITICAL, 48,
     "Our customers want a tracking link like the parcel carriers send them.",
     ("tracking-page",)),
    ("Kestrel Foods Distribution", InsightSource.SURVEY, Importance.NICE_TO_HAVE, 24,
     "Temperature alerts for chilled loads would save us a separate data logger per trailer.",
     ("cold-chain",)),
    ("Maple Route Logistics", InsightSource.INTERVIEW, Importance.IMPORTANT, 39,
     "Drivers wait forty minutes at the same warehouse every morning; the plan should know.",
     ("dwell-time", "time-windows")),
    ("Maple Route Logistics", InsightSource.SUPPORT, Importance.CRITICAL, 22,
     "Low bridges on the A-roads are our worst nightmare.", ("truck-restrictions",)),
    ("Alpine Freight Partners", InsightSource.SALES, Importance.CRITICAL, 27,
     "Two of our biggest shippers asked for live tracking in this year's tender.",
     ("tracking-page", "eta-api")),
    ("Fjordline Transport", InsightSource.SURVEY, Importance.NICE_TO_HAVE, 20,
     "Dispatch would go twice as fast with keyboard shortcuts.", ("shortcuts",)),
]  # fmt: skip


WORKING_DAY_MINUTES = 8 * 60


class History:
    """Dates a product's activity entries chapter by chapter, once the story is written.

    ``mark(first, last)`` says that the entries written since the previous mark happened
    between ``first`` and ``last`` days ago (09:00 on the first day to 17:00 on the last).
    """

    def __init__(self, product: Product, *, since_start: bool = False):
        """``since_start``: the first chapter begins with the product's very first entry
        (else with the next one written)."""
        self.product = product
        self.now = timezone.now()
        self._since = 0 if since_start else self._last_id()
        self._chapters: list[tuple[int, int, datetime.datetime, datetime.datetime]] = []

    def _last_id(self) -> int:
        entries = Activity.objects.filter(product=self.product)
        return entries.aggregate(last=Max("id"))["last"] or 0

    def moment(self, days_ago: int, minutes: int = 0) -> datetime.datetime:
        """``minutes`` into the working day (from 09:00) ``days_ago`` days ago."""
        day = timezone.localtime(self.now) - datetime.timedelta(days=days_ago)
        start = day.replace(hour=9, minute=0, second=0, microsecond=0)
        return start + datetime.timedelta(minutes=minutes)

    def mark(self, first: int, last: int | None = None) -> None:
        last = first if last is None else last
        self._chapters.append((self._since, self._last_id(), first, last))
        self._since = self._chapters[-1][1]

    def write(self) -> None:
        """Give every marked entry its time: spread evenly, in order, over the working hours
        of its chapter's days."""
        for after, upto, first, last in self._chapters:
            ids = list(
                Activity.objects.filter(product=self.product, id__gt=after, id__lte=upto)
                .order_by("id")
                .values_list("id", flat=True)
            )
            minutes = (first - last + 1) * WORKING_DAY_MINUTES - 1
            for position, pk in enumerate(ids):
                minute = round(position * minutes / max(len(ids) - 1, 1))
                days, minute = divmod(minute, WORKING_DAY_MINUTES)
                when = min(self.moment(first - days, minute), self.now)
                Activity.objects.filter(pk=pk).update(created_at=when)


def seed_roadmap(product: Product, people: dict, history: History) -> None:
    """Write the demo roadmap into ``product`` (which has none yet) as its people would have."""
    priya = Actor.task(TASK, user=people["priya"])
    maya = Actor.task(TASK, user=people["maya"])
    diego = Actor.task(TASK, user=people["diego"])
    today = timezone.localdate(history.now)

    def day(offset: int | None) -> datetime.date | None:
        return None if offset is None else today + datetime.timedelta(days=offset)

    # Planning: vision, objectives and teams (two months ago).
    vision = services.vision_of(product)
    services.vision_update(vision=vision, by=priya, expected_version=vision.version, **VISION)
    objectives, key_results = {}, {}
    for key, (title, description, results) in OBJECTIVES.items():
        objective = services.objective_create(
            by=priya, product=product, title=title, description=description
        )
        objectives[key] = objective
        for title, target, current, unit in results:
            key_results[title] = services.key_result_create(
                by=priya,
                objective=objective,
                title=title,
                target=Decimal(target),
                current=Decimal(current),
                unit=unit,
            )
    teams = {
        name: services.team_create(by=maya, product=product, name=name, capacity_points=points)
        for name, points in TEAMS
    }
    history.mark(66, 62)

    # The quarter plan: items and their dependencies.
    items = {}
    for plan in PLAN:
        items[plan.key] = _create_item(product, maya, plan, teams, objectives, day)
    for blocker, blocked in DEPENDENCIES:
        services.dependency_create(
            by=maya, product=product, blocker=items[blocker], blocked=items[blocked]
        )
    history.mark(60, 48)

    # Releases, their checklists and the risk register.
    shipped = services.release_create(
        by=maya,
        product=product,
        name="Atlas 3.4",
        date=day(-20),
        description="Delivery exceptions, bulk re-assignment and a live map that copes with "
        "big fleets.",
        items=[items[key] for key in ("exception-codes", "bulk-reassign", "map-clustering")],
    )
    upcoming = services.release_create(
        by=maya,
        product=product,
        name="Atlas 3.5",
        date=day(28),
        description="Live ETAs end to end: the new engine, the customer tracking page and "
        "arrival notifications.",
        items=[
            items[key]
            for key in (
                "eta-engine",
                "tracking-page",
                "arrival-notifications",
                "geofence-arrival",
                "exception-inbox",
            )
        ],
    )
    owners = {
        ChecklistKind.DOCS: people["maya"],
        ChecklistKind.API_REFERENCE: people["diego"],
        ChecklistKind.ENABLEMENT: people["helen"],
        ChecklistKind.MESSAGING: people["priya"],
    }
    for entry in shipped.checklist.all():
        services.checklist_entry_update(
            entry=entry,
            by=maya,
            expected_version=entry.version,
            owner=owners[entry.kind],
            done=True,
        )
    upcoming_notes = {
        ChecklistKind.DOCS: "Dispatcher guide updated for the new ETA badge.",
        ChecklistKind.API_REFERENCE: "eta_confidence documented on stops.",
        ChecklistKind.ENABLEMENT: "Support training booked for the week before launch.",
        ChecklistKind.MESSAGING: "Launch post drafted; waiting for the rural results.",
    }
    for entry in upcoming.checklist.all():
        services.checklist_entry_update(
            entry=entry,
            by=maya,
            expected_version=entry.version,
            owner=owners[entry.kind],
            note=upcoming_notes[entry.kind],
            done=entry.kind in (ChecklistKind.DOCS, ChecklistKind.API_REFERENCE),
        )
    _create_risks(product, people, items, upcoming)
    history.mark(45, 30)

    # Customer evidence, as it came in.
    for account, source, importance, days_ago, quote, keys in INSIGHTS:
        services.insight_create(
            by=maya,
            product=product,
            account=account,
            source=source,
            importance=importance,
            captured_on=day(-days_ago),
            quote=quote,
            items=[items[key] for key in keys],
        )
    history.mark(29, 22)

    services.release_ship(
        release=shipped, by=priya, expected_version=shipped.version, may_override=False
    )
    history.mark(20)

    # The baseline everyone agreed on, two weeks ago.
    taken_at = history.moment(14)
    services.snapshot_create(by=maya, product=product, name=SNAPSHOT_NAME, taken_at=taken_at)
    history.mark(14)

    # What happened since: the plan moved.
    _since_the_baseline(product, items, teams, objectives, key_results, maya, diego, day)
    history.mark(13, 3)


def _create_item(product, by, plan: Plan, teams, objectives, day) -> RoadmapItem:
    return services.item_create(
        by=by,
        product=product,
        title=plan.title,
        summary=SUMMARIES.get(plan.key, ""),
        team=teams[plan.team],
        theme=plan.theme,
        status=plan.status,
        lane=plan.lane,
        start_date=day(plan.start),
        end_date=day(plan.end),
        confidence=plan.confidence,
        feature_key=plan.key if plan.status != PLANNED else "",
        objectives=[objectives[key] for key in plan.objectives],
    )


def _create_risks(product, people, items, upcoming: Release) -> None:
    by = Actor.task(TASK, user=people["maya"])
    risks = [
        # (title, likelihood, impact, owner, status, mitigation, item keys, on the release)
        (
            "Live ETA v2 misses ±15 min on rural routes",
            3, 4, "maya", RiskStatus.OPEN,
            "Shadow-run v2 next to v1 on 20 % of rural stops; fall back to v1 per region.",
            ("eta-engine", "tracking-page"), True,
        ),
        (
            "Tachograph vendor APIs throttle our downloads",
            4, 3, "diego", RiskStatus.OPEN,
            "Higher quota requested from VDO; batch downloads overnight.",
            ("tacho-sync", "remote-download"), False,
        ),
        (
            "Driver locations kept longer than GDPR allows",
            2, 4, "priya", RiskStatus.OPEN,
            "30-day retention job; data-processing review with legal.",
            ("gps-smoothing", "tracking-page"), False,
        ),
        (
            "SMS costs grow faster than usage fees",
            2, 3, "priya", RiskStatus.MITIGATED,
            "E-mail first; SMS only where the shipper pays for it.",
            ("arrival-notifications",), False,
        ),
        (
            "Map tile provider raises its prices",
            3, 2, "helen", RiskStatus.CLOSED,
            "Signed a three-year contract at the current price.",
            ("map-clustering",), False,
        ),
        (
            "Only one engineer knows the routing solver",
            2, 2, "diego", RiskStatus.OPEN,
            "Pairing on multi-depot; solver notes in the wiki.",
            ("multi-depot",), False,
        ),
    ]  # fmt: skip
    for title, likelihood, impact, owner, status, mitigation, keys, on_release in risks:
        services.risk_create(
            by=by,
            product=product,
            title=title,
            likelihood=likelihood,
            impact=impact,
            owner=people[owner],
            status=status,
            mitigation=mitigation,
            items=[items[key] for key in keys],
            releases=[upcoming] if on_release else [],
        )


def _since_the_baseline(product, items, teams, objectives, key_results, maya, diego, day):
    """Slips, a pull-in, lane moves, status changes, one item added and one removed."""

    def update(key: str, by: Actor = maya, **changes) -> None:
        item = items[key]
        services.item_update(item=item, by=by, expected_version=item.version, **changes)

    update("gps-smoothing", by=diego, status=DONE)
    update("eta-engine", end_date=day(25), confidence=55)
    update("tacho-sync", by=diego, end_date=day(40), confidence=50)
    update("truck-restrictions", status=AT_RISK, end_date=day(22), confidence=40)
    update("remote-download", by=diego, status=BLOCKED, confidence=30)
    update("shortcuts", end_date=day(21))
    # Disputes were promised to Iberia Transportes; fuel-cost routing makes room for them.
    disputes, fuel = items["disputes"], items["fuel-routing"]
    services.item_move(item=disputes, by=maya, expected_version=disputes.version, lane=NEXT)
    update("disputes", start_date=day(14), end_date=day(56), confidence=55)
    services.item_move(item=fuel, by=maya, expected_version=fuel.version, lane=LATER)
    update("fuel-routing", start_date=day(200), end_date=day(260), confidence=30)
    manifest = items.pop("paper-manifest")
    services.item_delete(item=manifest, by=maya, expected_version=manifest.version)
    items[LATE_ADDITION.key] = _create_item(product, maya, LATE_ADDITION, teams, objectives, day)
    for blocker, blocked in LATER_DEPENDENCIES:
        services.dependency_create(
            by=maya, product=product, blocker=items[blocker], blocked=items[blocked]
        )
    result = key_results["Stops delivered within ±15 min of the ETA"]
    services.key_result_update(
        key_result=result, by=maya, expected_version=result.version, current=Decimal(78)
    )


def align_row_times(product: Product) -> None:
    """Give the roadmap's rows the creation times their activity entries now tell, and a
    shipped release the time it shipped, so pages and the log agree."""
    for model in (Team, Objective, RoadmapItem, Dependency, Release, Risk, Insight):
        content_type = ContentType.objects.get_for_model(model)
        entries = Activity.objects.filter(product=product, target_type=content_type)
        created = dict(entries.filter(verb="created").values_list("target_id", "created_at"))
        latest = dict(
            entries.values("target_id")
            .annotate(last=Max("created_at"))
            .values_list("target_id", "last")
        )
        has_updated_at = any(field.name == "updated_at" for field in model._meta.fields)
        for pk in model.objects.filter(pk__in=[int(pk) for pk in created]).values_list(
            "pk", flat=True
        ):
            times = {"created_at": created[str(pk)]}
            if has_updated_at:
                times["updated_at"] = latest[str(pk)]
            model.objects.filter(pk=pk).update(**times)
    for release_id, when in Activity.objects.filter(
        product=product,
        target_type=ContentType.objects.get_for_model(Release),
        verb="shipped",
    ).values_list("target_id", "created_at"):
        Release.objects.filter(pk=int(release_id)).update(shipped_at=when)


def has_roadmap(product: Product) -> bool:
    """Whether anyone (the seeder or a person) has started the product's roadmap."""
    return any(
        model.objects.filter(product=product).exists()
        for model in (RoadmapItem, Team, Objective, Release)
    )
