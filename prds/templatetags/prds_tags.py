"""Template helpers of the PRD pages: the reading page's criteria and comment threads (drawn
in Python, see below), the criteria's progress, and the option a decision chose."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.timezone import is_aware, localtime

from ..models import CriterionKind, CriterionStatus

register = template.Library()


@register.simple_tag
def criteria_summary(statuses) -> dict:
    """How far the criteria are: counts by status and the share settled (met or waived).

    ``statuses``: the criteria, or their status values."""
    values = [getattr(entry, "status", entry) for entry in statuses]
    counts = {status: values.count(status) for status in CriterionStatus.values}
    total = len(values)
    settled = counts[CriterionStatus.MET] + counts[CriterionStatus.WAIVED]
    return {
        "total": total,
        "met": counts[CriterionStatus.MET],
        "waived": counts[CriterionStatus.WAIVED],
        "failed": counts[CriterionStatus.FAILED],
        "open": counts[CriterionStatus.OPEN],
        "settled": settled,
        "percent": round(100 * settled / total) if total else 0,
    }


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


@register.filter
def chosen_option(decision) -> int | None:
    """The index of the option the decision's choice names: the one it equals, else the one
    whose name it starts with, else the one it mentions (the longest name wins a tie); None
    when it names none."""
    choice = _words(decision.choice)
    names = [_words(option.get("name", "")) for option in decision.options]
    for index, name in enumerate(names):
        if name and name == choice:
            return index
    for test in (
        lambda name: choice.startswith(name + " "),
        lambda name: f" {name} " in f" {choice} ",
    ):
        found = [(len(name), index) for index, name in enumerate(names) if name and test(name)]
        if found:
            return max(found)[1]
    return None


@register.simple_tag
def criterion_status_choices() -> list[tuple[str, str]]:
    return CriterionStatus.choices


_LINE = re.compile(r"^Line (\d+):")


@register.filter
def error_line(errors) -> int | None:
    """The line a contract's field error points at ("Line 7: ..."), for the editor to jump to."""
    for error in errors or ():
        match = _LINE.match(str(error))
        if match:
            return int(match.group(1))
    return None


@register.filter
def plain_number(value) -> str:
    """A decimal as people write it: no trailing zeros, thousands grouped (12.5, 10,000)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{number:,f}"


@register.filter
def linecount(text: str) -> int:
    return len((text or "").splitlines())


BREAKING_LABELS = {
    "removed_path": "Removed path",
    "removed_operation": "Removed operation",
    "removed_response": "Removed response",
    "removed_response_field": "Removed response field",
    "newly_required_parameter": "Newly required parameter",
    "newly_required_request_field": "Newly required request field",
    "changed_type": "Changed type",
}


@register.filter
def breaking_label(kind: str) -> str:
    return BREAKING_LABELS.get(kind, str(kind).replace("_", " ").capitalize())


_TICKS = re.compile(r"`([^`]+)`")


@register.filter
def ticks_as_code(text) -> str:
    """Text with `quoted` parts as <code>, everything else escaped (a breaking change's
    detail quotes paths and field names from the user's document)."""
    escaped = conditional_escape(str(text or ""))
    return mark_safe(_TICKS.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above


# --- Criteria and comment threads, built in Python ------------------------------------------
# The reading page draws up to hundreds of criteria and comments. As template nodes (includes,
# {% url %}, localised numbers) they cost about 0.1 ms a criterion and 0.3 ms a comment, in a page
# whose budget is 60 ms; here a criterion costs about 10 µs and a comment 50 µs (most of it the
# "3 days ago"). Each row is also kept small:
# one control per criterion. Its rarely used actions (move, delete, the comment and reply
# forms) are not drawn per row but cloned on demand by static/js/prds.js from one <template>
# each (_criteria.html, read.html). The markup is the same for the page and for an htmx swap.

_BOX = '<span class="ac-box" aria-hidden="true"></span>'
# The icons are drawn once per page (the <svg class="ac-icons"> in _criteria.html) and used by
# reference in every row.
_LINK_ICON = '<svg width="16" height="16" aria-hidden="true"><use href="#ac-icon-link"/></svg>'
_HANDLE = (
    '<span class="ac-handle" title="Drag to reorder" aria-hidden="true"><svg width="12" '
    'height="16"><use href="#ac-icon-handle"/></svg></span>'
)
_STATUS_LABELS = dict(CriterionStatus.choices)


@dataclass(frozen=True)
class _Rows:
    """What every criterion and comment of one render shares, worked out once."""

    can_contribute: bool
    can_edit: bool
    can_admin: bool
    user_id: int | None
    criteria_url: str  # "/products/1/prds/2/criteria/": a criterion's URLs continue it
    comments_url: str  # "/products/1/prds/2/comments/": where comments post; "<id>/delete/"
    csrf: str
    # A refused comment to draw back in its form: {"criterion", "parent", "form"}, or None.
    comment_error: dict | None
    # Month number → its abbreviation in the active language, as comments' dates need them.
    months: dict = field(default_factory=dict)


def _rows(context) -> _Rows:
    cache = context.render_context
    product, prd = context["product"], context["prd"]
    key = ("prds-rows", product.pk, prd.pk)
    if key not in cache:
        role = context["role"]
        user = context.get("user")
        criteria_url = reverse("prds:criterion-edit", args=[product.pk, prd.pk, 0])
        comments_url = context.get("comment_add_url") or reverse(
            "prds:comment-add", args=[product.pk, prd.pk]
        )
        cache[key] = _Rows(
            can_contribute=role.can_contribute,
            can_edit=role.can_edit,
            can_admin=role.can_admin,
            user_id=getattr(user, "pk", None),
            criteria_url=criteria_url[: -len("0/")],
            comments_url=comments_url,
            csrf=escape(str(context.get("csrf_token") or "")),
            comment_error=context.get("comment_error"),
        )
    return cache[key]


def _status_control(criterion, rows: _Rows) -> str:
    """A badge; for contributors and above the summary of a menu whose options prds.js clones
    in from #ac-status-template when it opens."""
    status = escape(criterion.status)
    label = escape(_STATUS_LABELS.get(criterion.status, status))
    if not rows.can_contribute:
        return (
            f'<span class="ac-status ac-status-{status}">{_BOX}'
            f'<span class="ac-status-label">{label}</span></span>'
        )
    return (
        '<details class="ac-status-menu" data-close-outside>'
        f'<summary class="ac-status ac-status-{status}" id="ac-{criterion.pk}-status" '
        f'aria-label="Status: {label}. Change the status">{_BOX}'
        f'<span class="ac-status-label">{label}</span></summary></details>'
    )


def _editor_menu(pk: int, rows: _Rows) -> str:
    """The ⋯ menu: Edit is a plain link; Move up, Move down and Delete… come from
    #ac-menu-template when it opens."""
    return (
        '<details class="ac-menu" data-close-outside>'
        f'<summary class="icon-button ac-menu-button" id="ac-{pk}-menu" '
        'aria-label="Edit, move or delete this criterion" title="Edit, move or delete">'
        '<span aria-hidden="true">⋯</span></summary><div class="ac-menu-items">'
        f'<a class="ac-menu-item" href="{rows.criteria_url}{pk}/">Edit</a></div></details>'
    )


def _criterion_text(criterion) -> str:
    html = criterion.html or {}
    if criterion.kind == CriterionKind.TEXT:
        return f'<div class="ac-text">{html.get("text", "")}</div>'
    return (
        f'<dl class="gwt"><div><dt>Given</dt><dd>{html.get("given", "")}</dd></div>'
        f"<div><dt>When</dt><dd>{html.get('when', '')}</dd></div>"
        f"<div><dt>Then</dt><dd>{html.get('then', '')}</dd></div></dl>"
    )


def _criterion_main(criterion, rows: _Rows, row_error=None, row_saved=False) -> str:
    pk = criterion.pk
    status = escape(criterion.status)
    error = (
        f'<p class="field-error ac-row-error" role="alert">{escape(row_error)}</p>'
        if row_error
        else ""
    )
    # Stored, sanitised HTML (criterion.html) or escaped text only.
    return (
        f'<div class="criterion-main criterion-is-{status}{" row-saved" if row_saved else ""}" '
        f'id="ac-{pk}-main" data-version="{criterion.version}" data-status="{status}" '
        "data-swap-errors>"
        f'<div class="criterion-lead">{_HANDLE if rows.can_edit else ""}'
        '<span class="ac-number" aria-hidden="true"></span></div>'
        f'<div class="criterion-status">{_status_control(criterion, rows)}</div>'
        f'<div class="criterion-body">{_criterion_text(criterion)}{error}</div>'
        f'<div class="criterion-tools"><a class="ac-link" href="#ac-{pk}" data-copy-link '
        f'title="Copy the link to this criterion" aria-label="Link to this criterion (ac-{pk})">'
        f"{_LINK_ICON}</a>{_editor_menu(pk, rows) if rows.can_edit else ''}</div></div>"
    )


@register.simple_tag
def toc_items(entries) -> str:
    """The body's headings as the contents' <li>s, each with its depth (0 to 2) and anchor.
    A long PRD has dozens: as a template loop they cost about 15 µs each."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<li class="toc-depth-{int(entry["depth"])}"><a href="#{escape(entry["id"])}">'
            f"{escape(entry['title'])}</a></li>"
            for entry in entries
        )
    )


@register.simple_tag(takes_context=True)
def criteria_url(context) -> str:
    """The criteria URLs' common start, which prds.js continues with "<id>/status/" and so on."""
    return _rows(context).criteria_url


@register.simple_tag(takes_context=True)
def criterion_main(context, criterion, row_error=None, row_saved=False):
    """The part of a criterion an inline change swaps: its status, its text (the stored,
    sanitised HTML) and its controls, everything that carries its version."""
    return mark_safe(_criterion_main(criterion, _rows(context), row_error, row_saved))  # noqa: S308


@register.simple_tag(takes_context=True)
def criteria_items(context, reading, moved=None):
    """Every criterion of ``reading`` as the checklist's <li>: its main part, its comment
    threads and, for contributors and above, "Comment on this criterion"."""
    rows = _rows(context)
    threads = reading.threads
    error = rows.comment_error
    items = []
    for criterion in reading.criteria:
        pk = criterion.pk
        comment = ""
        if rows.can_contribute:
            if error and error["criterion"] == pk and not error["parent"]:
                form = _failed_comment_form(
                    error["form"],
                    rows,
                    target=("criterion", pk),
                    field_id=f"comment-on-{pk}",
                    label="Comment on this criterion",
                    placeholder="Comment on this criterion… (Markdown works)",
                    button="Comment",
                )
                comment = (
                    '<details class="thread-new" open><summary>Comment on this criterion'
                    f"</summary>{form}</details>"
                )
            else:
                comment = (
                    '<details class="thread-new"><summary>Comment on this criterion</summary>'
                    "</details>"
                )
        items.append(
            f'<li class="criterion{" criterion-moved" if pk == moved else ""}" id="ac-{pk}" '
            f'data-id="{pk}">{_criterion_main(criterion, rows)}'
            f"{_threads(threads.get(pk, ()), rows)}{comment}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - stored sanitised HTML or escaped text


@register.simple_tag(takes_context=True)
def comment_threads(context, threads):
    """The PRD's own comment threads (or "No comments yet.")."""
    html = _threads(threads, _rows(context))
    return mark_safe(html or '<p class="muted threads-empty">No comments yet.</p>')  # noqa: S308


def _name(user) -> str:
    return escape(user.get_full_name() or user.get_username())


def _avatar(user) -> str:
    if user.get_full_name():
        initials = user.first_name[:1].upper() + user.last_name[:1].upper()
    else:
        initials = user.get_username()[:2].upper()
    return f'<span class="avatar" aria-hidden="true">{escape(initials)}</span>'


def _comment(comment, rows: _Rows, indent: int, reply_to) -> str:
    author = comment.author
    name = _name(author)
    anchor = f"comment-{comment.pk}"
    created = comment.created_at
    shown = localtime(created) if is_aware(created) else created
    # As the date filter's "j M Y, H:i", without its per-call formatter (50 µs a comment).
    month = rows.months.get(shown.month)
    if month is None:
        month = rows.months[shown.month] = str(MONTHS_3[shown.month]).title()
    replying = (
        f'<span class="muted comment-reply-to">replying to {_name(reply_to.author)}</span>'
        if reply_to is not None
        else ""
    )
    delete = ""
    if rows.can_contribute and (comment.author_id == rows.user_id or rows.can_admin):
        delete = (
            f'<a class="comment-delete" href="{rows.comments_url}{comment.pk}/delete/" '
            f'aria-label="Delete this comment by {name}">Delete…</a>'
        )
    return (
        f'<article class="comment comment-indent-{indent}" id="{anchor}" '
        f'aria-label="Comment by {name}"><header class="comment-head">{_avatar(author)}'
        f'<span class="comment-author">{name}</span>{replying}'
        f'<a class="comment-time" href="#{anchor}" title="Link to this comment · '
        f'{shown.day} {month} {shown.year}, {shown.hour:02d}:{shown.minute:02d}">'
        f'<time datetime="{created.isoformat()}">'
        f"{escape(naturaltime(created))}</time></a>{delete}</header>"
        f'<div class="comment-body prose prose-small">{comment.body_html}</div></article>'
    )


def _threads(threads, rows: _Rows) -> str:
    """Threads (prds.queries.Thread roots, flattened) with, for contributors and above, a Reply
    per thread; empty when there is none."""
    if not threads:
        return ""
    error = rows.comment_error
    parts = ['<ol class="threads">']
    for thread in threads:
        root = thread.comment
        parts.append('<li class="thread">')
        parts.append(_comment(root, rows, 0, None))
        for reply in thread.flat:
            parts.append(_comment(reply.comment, rows, reply.indent, reply.reply_to))
        if rows.can_contribute:
            if error and error["parent"] == root.pk:
                form = _failed_comment_form(
                    error["form"],
                    rows,
                    target=("parent", root.pk),
                    field_id=f"reply-{root.pk}",
                    label=f"Reply to {_name(root.author)}",
                    placeholder="Reply… (Markdown works)",
                    button="Reply",
                )
                parts.append(
                    f'<details class="thread-reply" open><summary>Reply</summary>{form}</details>'
                )
            else:
                parts.append(
                    f'<details class="thread-reply" data-parent="{root.pk}"><summary>Reply'
                    "</summary></details>"
                )
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


def _failed_comment_form(form, rows: _Rows, *, target, field_id, label, placeholder, button) -> str:
    """A refused comment back in its form, its text kept, the reason beside it."""
    errors = "".join(
        f"<p>{escape(error)}</p>" for error in [*form.non_field_errors(), *form["body"].errors]
    )
    name, value = target
    return (
        f'<form method="post" action="{rows.comments_url}" class="comment-form" novalidate>'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{rows.csrf}">'
        f'<input type="hidden" name="{name}" value="{value}">'
        f'<label class="visually-hidden" for="{field_id}">{label}</label>'
        f'<textarea id="{field_id}" name="body" rows="2" maxlength="20000" '
        f'placeholder="{placeholder}" aria-invalid="true" aria-describedby="{field_id}-error">'
        f"{escape(form['body'].value() or '')}</textarea>"
        f'<div class="field-error" id="{field_id}-error" role="alert">{errors}</div>'
        '<div class="comment-form-actions"><button class="button button-secondary button-small" '
        f'type="submit">{button}</button></div></form>'
    )
