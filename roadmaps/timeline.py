"""The timeline's geometry, computed once on the server: where each bar, header cell, marker and
arrow goes, in SVG user units. The page's Content-Security-Policy forbids ``style=``, and SVG
geometry attributes (x, y, width) are not styles, so the whole chart is plain SVG; the browser
only redraws what a drag or a collapsed group moves (static/js/roadmap.js mirrors the arrow
formula below)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import RoadmapItem, Status

ZOOMS = {"month": "Months", "quarter": "Quarters"}
DEFAULT_ZOOM = "month"
GROUPINGS = {"team": "Team", "theme": "Theme"}
DEFAULT_GROUPING = "team"

# Pixels per day at each zoom: a month is ~150 px wide, a quarter ~150 px.
DAY_WIDTH = {"month": 5.0, "quarter": 1.6}
HEADER_HEIGHT = 66  # quarters (20), months (24), releases and today (22)
GROUP_HEIGHT = 34
ROW_HEIGHT = 30
BAR_HEIGHT = 20
BAR_OFFSET = (ROW_HEIGHT - BAR_HEIGHT) // 2
# Average advance of a 12 px system-font character: decides whether a title fits inside its bar.
CHAR_WIDTH = 6.6
LABEL_PADDING = 8
FLAG_SIZE = 14
MIN_BAR_WIDTH = 4.0
HANDLE_WIDTH = 7

STATUS_LABELS = dict(Status.choices)


def late_text(blockers) -> str:
    """What a late flag says (its tooltip and accessible name): every late blocker's message.
    The timeline, the board, the list and a drag's answer (which redraws the flags) share it."""
    return " ".join(blocker.message for blocker in blockers)


class RowsMarkup:
    """Markup of many rows, rendered in Python on first use.

    At 500 items the template language costs ~0.5 ms per row (each variable is resolved and
    localised), several times the page's budget, while an f-string costs microseconds. The
    markup comes in two variants: ``linked`` (bars and titles open the item page) and ``plain``
    (the public share page, which links nowhere into the app)."""

    def __init__(self, render: Callable[[bool], str]):
        self._render = render

    @cached_property
    def linked(self) -> SafeString:
        return mark_safe(self._render(links=True))  # noqa: S308 - built from escaped values only

    @cached_property
    def plain(self) -> SafeString:
        return mark_safe(self._render(links=False))  # noqa: S308 - built from escaped values only


@dataclass
class Period:
    """One cell of a header band (a month, a quarter or a year)."""

    x: float
    width: float
    label: str
    title: str

    @property
    def text_x(self) -> float:
        return round(self.x + 6, 1)


@dataclass
class Bar:
    item: RoadmapItem
    x: float
    width: float
    y: float  # top of the bar, relative to its group
    label_inside: bool
    tooltip: str

    @property
    def label_x(self) -> float:
        return round(self.x + LABEL_PADDING if self.label_inside else self.x + self.width + 6, 1)

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def end_x(self) -> float:
        return round(self.x + self.width, 1)

    @property
    def flag_cx(self) -> float:
        return round(self.x - FLAG_SIZE / 2 - 3, 1)

    @property
    def handle_end_x(self) -> float:
        return round(self.end_x - HANDLE_WIDTH, 1)

    @property
    def start_iso(self) -> str:
        return self.item.start_date.isoformat()

    @property
    def end_iso(self) -> str:
        return self.item.end_date.isoformat()

    @property
    def late_title(self) -> str:
        return late_text(self.item.late_blockers)


@dataclass
class Group:
    key: str
    label: str
    y: float = 0
    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> float:
        return GROUP_HEIGHT + len(self.bars) * ROW_HEIGHT

    @property
    def rows_height(self) -> float:
        return len(self.bars) * ROW_HEIGHT

    def markup(self, *, editable: bool, item_url_base: str) -> RowsMarkup:
        return RowsMarkup(
            lambda links: render_bars(
                self.bars, editable=editable, links=links, item_url_base=item_url_base
            )
        )


@dataclass
class Marker:
    """A release on the time axis."""

    x: float
    label: str
    title: str
    shipped: bool
    release_id: int

    @property
    def label_x(self) -> float:
        return round(self.x + 9, 1)


@dataclass
class Arrow:
    blocker_id: int
    blocked_id: int
    d: str
    late: bool


def render_bars(bars: list["Bar"], *, editable: bool, links: bool, item_url_base: str) -> str:
    """The SVG of a group's bars: the bar (a link to the item unless ``links`` is off) with its
    title inside or beside it, its status as text in the tooltip and label, the drag handles for
    editors, and the late-blocker flag."""
    parts = []
    for bar in bars:
        item = bar.item
        tip = escape(bar.tooltip)
        classes = f"tl-bar tl-status-{item.status}" + ("" if bar.label_inside else " tl-outside")
        if links:
            drag = ' draggable="false"' if editable else ""
            # The <title> child is the link's accessible name (SVG-AAM): no aria-label copy.
            opening = f'<a href="{item_url_base}{item.pk}/"{drag}>'
            closing = "</a>"
        else:
            opening, closing = '<g role="img">', "</g>"
        handles = ""
        if editable:
            handles = (
                f'<rect class="tl-handle" data-edge="start" x="{bar.x}" y="{bar.y}" '
                f'width="{HANDLE_WIDTH}" height="{BAR_HEIGHT}"/>'
                f'<rect class="tl-handle" data-edge="end" x="{bar.handle_end_x}" y="{bar.y}" '
                f'width="{HANDLE_WIDTH}" height="{BAR_HEIGHT}"/>'
            )
        flag = ""
        if item.late_blockers:
            late = escape(bar.late_title)
            flag = (
                f'<g class="tl-flag" role="img" aria-label="{late}"><title>{late}</title>'
                f'<circle class="tl-flag-dot" cx="{bar.flag_cx}" cy="{bar.text_y}" r="7"/>'
                f'<text class="tl-flag-mark" x="{bar.flag_cx}" y="{bar.text_y}">!</text></g>'
            )
        parts.append(
            f'<g class="{classes}" data-id="{item.pk}" data-version="{item.version}" '
            f'data-start="{bar.start_iso}" data-end="{bar.end_iso}" data-y="{bar.y}">'
            f"{opening}<title>{tip}</title>"
            f'<rect class="tl-bar-body" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
            f'height="{BAR_HEIGHT}" rx="4"/>'
            f'<text class="tl-label" x="{bar.label_x}" y="{bar.text_y}">{escape(item.title)}</text>'
            f"{closing}{handles}{flag}</g>"
        )
    return "".join(parts)


def render_arrows(arrows: list["Arrow"]) -> str:
    """All dependency arrows, for the one arrow layer."""
    return "".join(
        f'<path class="tl-arrow{" tl-arrow-late" if arrow.late else ""}" '
        f'data-from="{arrow.blocker_id}" data-to="{arrow.blocked_id}" d="{arrow.d}" '
        'marker-end="url(#tl-arrowhead)"/>'
        for arrow in arrows
    )


@dataclass
class Timeline:
    zoom: str
    group_by: str
    origin: datetime.date
    end: datetime.date
    day_width: float
    width: float
    height: float
    upper: list[Period]
    lower: list[Period]
    groups: list[Group]
    markers: list[Marker]
    arrows: list[Arrow]
    unscheduled: list[RoadmapItem]
    today_x: float | None
    grid: list[float]
    header_height: int = HEADER_HEIGHT
    group_height: int = GROUP_HEIGHT
    row_height: int = ROW_HEIGHT
    bar_height: int = BAR_HEIGHT
    flag_size: int = FLAG_SIZE

    @property
    def today_pill_x(self) -> float | None:
        return None if self.today_x is None else round(self.today_x - 22, 1)

    @cached_property
    def arrows_markup(self) -> SafeString:
        return mark_safe(render_arrows(self.arrows))  # noqa: S308 - numbers only

    @property
    def bar_count(self) -> int:
        return sum(len(group.bars) for group in self.groups)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def date_range(
    dates: list[datetime.date], zoom: str, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The first day and the day after the last of the axis: whole months (or quarters) around
    every date given and today, with one spare month on each side to drag into."""
    low, high = min([*dates, today]), max([*dates, today])
    if zoom == "quarter":
        return _add_months(_quarter_start(low), -3), _add_months(_quarter_start(high), 6)
    return _add_months(_month_start(low), -1), _add_months(_month_start(high), 2)


def _bands(origin, end, zoom, day_width) -> tuple[list[Period], list[Period], list[float]]:
    def x_of(day):
        return round((day - origin).days * day_width, 1)

    months = []
    day = origin
    while day < end:
        following = _add_months(day, 1)
        months.append((day, following))
        day = following
    quarters = []
    day = _quarter_start(origin)
    while day < end:
        following = _add_months(day, 3)
        quarters.append((max(day, origin), min(following, end), day))
        day = following
    quarter_cells = [
        Period(
            x_of(start),
            round(x_of(stop) - x_of(start), 1),
            f"Q{(first.month - 1) // 3 + 1} {first.year}"
            if zoom == "month"
            else f"Q{(first.month - 1) // 3 + 1}",
            f"Q{(first.month - 1) // 3 + 1} {first.year}",
        )
        for start, stop, first in quarters
    ]
    if zoom == "month":
        lower = [
            Period(x_of(start), round(x_of(stop) - x_of(start), 1), f"{start:%b}", f"{start:%B %Y}")
            for start, stop in months
        ]
        return quarter_cells, lower, [cell.x for cell in lower]
    years = []
    for year in range(origin.year, (end - datetime.timedelta(days=1)).year + 1):
        start = max(datetime.date(year, 1, 1), origin)
        stop = min(datetime.date(year + 1, 1, 1), end)
        years.append(Period(x_of(start), round(x_of(stop) - x_of(start), 1), str(year), str(year)))
    return years, quarter_cells, [x_of(start) for start, _ in months]


def arrow_path(x1: float, y1: float, x2: float, y2: float) -> str:
    """From the end of a blocker to the start of the item it blocks: a curve when there is room,
    an elbow back around when the blocker ends after the item starts (roadmap.js: arrowPath)."""
    if x2 - x1 >= 16:
        bend = max(12.0, min(60.0, (x2 - x1) / 2))
        return (
            f"M{x1:.1f} {y1:.1f}C{x1 + bend:.1f} {y1:.1f} {x2 - bend:.1f} {y2:.1f} "
            f"{x2:.1f} {y2:.1f}"
        )
    middle = y2 - ROW_HEIGHT / 2 if y2 > y1 else y2 + ROW_HEIGHT / 2
    return f"M{x1:.1f} {y1:.1f}H{x1 + 10:.1f}V{middle:.1f}H{x2 - 10:.1f}V{y2:.1f}H{x2:.1f}"


def bar_tooltip(item: RoadmapItem) -> str:
    """What a bar says about its item on hover and to screen readers (status as text)."""
    team_label = item.team.name if item.team_id else "no team"
    status = STATUS_LABELS.get(item.status, item.status)
    return (
        f"{item.title} — {status}, {item.start_date:%-d %b %Y} – {item.end_date:%-d %b %Y}, "
        f"{team_label}"
    )


def _group_key(item: RoadmapItem, group_by: str) -> tuple[str, str]:
    if group_by == "theme":
        return (f"theme:{item.theme}", item.theme) if item.theme else ("theme:", "No theme")
    if item.team_id is None:
        return "team:", "No team"
    return f"team:{item.team_id}", item.team.name


def timeline_layout(
    items: list[RoadmapItem],
    edges: list[tuple[int, int]],
    releases,
    *,
    zoom: str = DEFAULT_ZOOM,
    group_by: str = DEFAULT_GROUPING,
    today: datetime.date | None = None,
) -> Timeline:
    """Lay out ``items`` (each with ``late_blockers``) one row each, grouped by team or theme
    (groups in name order, the ungrouped last; rows by start date), with an arrow per edge
    between two drawn bars and a marker per release. Linear in items + edges."""
    zoom = zoom if zoom in ZOOMS else DEFAULT_ZOOM
    group_by = group_by if group_by in GROUPINGS else DEFAULT_GROUPING
    today = today or datetime.date.today()
    day_width = DAY_WIDTH[zoom]
    scheduled = [item for item in items if item.start_date and item.end_date]
    unscheduled = [item for item in items if not (item.start_date and item.end_date)]
    dates = [item.start_date for item in scheduled] + [item.end_date for item in scheduled]
    dates += [release.date for release in releases]
    origin, end = date_range(dates, zoom, today)
    upper, lower, grid = _bands(origin, end, zoom, day_width)

    groups: dict[str, Group] = {}
    for item in sorted(scheduled, key=lambda item: (item.start_date, item.end_date, item.pk)):
        key, label = _group_key(item, group_by)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key, label)
        x = round((item.start_date - origin).days * day_width, 1)
        width = round(
            max(((item.end_date - item.start_date).days + 1) * day_width, MIN_BAR_WIDTH), 1
        )
        fits = len(item.title) * CHAR_WIDTH + 2 * LABEL_PADDING <= width
        y = GROUP_HEIGHT + len(group.bars) * ROW_HEIGHT + BAR_OFFSET
        group.bars.append(Bar(item, x, width, y, fits, bar_tooltip(item)))
    ordered = sorted(
        groups.values(), key=lambda group: (group.key.endswith(":"), group.label.lower())
    )
    top = 0.0
    positions: dict[int, tuple[float, float, float]] = {}
    for group in ordered:
        group.y = top
        for bar in group.bars:
            positions[bar.item.pk] = (bar.x, bar.end_x, top + bar.y + BAR_HEIGHT / 2)
        top += group.height

    arrows = []
    for blocker, blocked in edges:
        if blocker in positions and blocked in positions:
            _, x1, y1 = positions[blocker]
            x2, _, y2 = positions[blocked]
            arrows.append(Arrow(blocker, blocked, arrow_path(x1, y1, x2, y2), x2 < x1))

    width = (end - origin).days * day_width
    markers = [
        Marker(
            round((release.date - origin).days * day_width + day_width / 2, 1),
            release.name,
            f"{release.name}: {release.date:%-d %b %Y}"
            + (" (shipped)" if release.is_shipped else ""),
            release.is_shipped,
            release.pk,
        )
        for release in releases
        if origin <= release.date < end
    ]
    today_x = (
        round((today - origin).days * day_width + day_width / 2, 1)
        if origin <= today < end
        else None
    )
    return Timeline(
        zoom=zoom,
        group_by=group_by,
        origin=origin,
        end=end,
        day_width=day_width,
        width=width,
        height=max(top, ROW_HEIGHT * 3),
        upper=upper,
        lower=lower,
        groups=ordered,
        markers=markers,
        arrows=arrows,
        unscheduled=unscheduled,
        today_x=today_x,
        grid=grid,
    )
