"""Markdown to safe HTML: the one renderer for every user text shown as rich text.

Rendered with ``markdown`` (tables, fenced code highlighted by Pygments into CSS classes,
task lists, heading anchors and a table of contents), then sanitised with ``nh3`` against an
allow-list: no script, no event handler, no style, no ``javascript:``/``data:`` URL survives.
Callers store the result (a PRD revision, a comment, a criterion) and never render on a view.
"""

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"class"},
    "ul": {"class"},
    # Highlighted code is coloured by class names, from static/css/highlight.css.
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "input": {"type", "checked", "disabled"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Only the classes our own rendering produces may survive: Pygments' token classes (prefixed),
# the code block wrapper and the task list marker. A class cannot run code, but it could dress
# text as one of our controls.
_CLASS = re.compile(r"^(?:hl-[a-z]{1,3}[0-9]?|highlight|task-list-item)$")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "class":
        kept = " ".join(part for part in value.split() if _CLASS.match(part))
        return kept or None
    if tag == "input":
        if name == "type":
            return value if value == "checkbox" else None
        return value
    return value


@dataclass(frozen=True)
class Rendered:
    html: str
    # Headings in order: {"level": 2, "id": "goals", "title": "Goals"}.
    toc: list[dict] = field(default_factory=list)


class _TaskLists(Treeprocessor):
    """``- [ ] to do`` and ``- [x] done`` become read-only checkboxes."""

    marker = re.compile(r"^\[( |x|X)\]\s+")

    def run(self, root: ElementTree.Element) -> None:
        for item in root.iter("li"):
            holder = item[0] if len(item) and item[0].tag == "p" and not item.text else item
            text = holder.text or ""
            match = self.marker.match(text)
            if not match:
                continue
            holder.text = text[match.end() :]
            box = ElementTree.Element("input", {"type": "checkbox", "disabled": "disabled"})
            if match.group(1) != " ":
                box.set("checked", "checked")
            box.tail = " " + (holder.text or "")
            holder.text = ""
            holder.insert(0, box)
            item.set("class", "task-list-item")


class _TaskListExtension(Extension):
    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(_TaskLists(md), "task_lists", 5)


def _converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "codehilite",
            "toc",
            "sane_lists",
            "def_list",
            "abbr",
            _TaskListExtension(),
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False, "classprefix": "hl-"},
            "toc": {"permalink": False, "toc_depth": "2-4"},
        },
        output_format="html",
    )


def sanitise(html: str) -> str:
    """Keep only what ``ALLOWED_TAGS``/``ALLOWED_ATTRIBUTES`` allow; links get
    ``rel="noopener noreferrer nofollow"``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _toc(tokens: list[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        flat.append({"level": token["level"], "id": token["id"], "title": token["name"]})
        flat.extend(_toc(token.get("children", [])))
    return flat


def render(text: str) -> Rendered:
    """``text`` (Markdown, possibly with raw HTML) as sanitised HTML with its headings."""
    converter = _converter()
    html = converter.convert(text or "")
    return Rendered(html=sanitise(html), toc=_toc(getattr(converter, "toc_tokens", [])))


def render_html(text: str) -> str:
    """Only the HTML: comments, criteria, decisions."""
    return render(text).html
