"""Markdown to safe HTML: the one renderer for every user text shown as rich text.

Rendered with ``markdown`` (tables, fenced code highlighted by Pygments into CSS classes,
task lists, heading anchors and a table of contents), then sanitised with ``nh3`` against an
allow-list: no script, no event handler, no style, no form control but a checkbox, no
``javascript:``/``vbscript:``/``data:`` URL survives; images only from http(s). Callers store
the result (a PRD revision, a comment, a criterion) and never render on a view.

Heading ids are ``h-<slug>`` (``h-goals``, then ``h-goals_1`` for a second "Goals"), so they
cannot collide with the page's own ids; the table of contents carries the same ids. Only the
headings this renderer made keep an id: an ``id`` written in raw HTML is dropped.

Adversarial text renders in time close to linear in its length: where Python-Markdown (or
an HTML parser under it) rescans the rest of the text for every ``[``, ``(``, backtick, ``<``,
fence or line of a block, the scan is bounded here. What no person writes by hand degrades
to something plain instead: a block past 300 lines or 10,000 characters is split in two,
code blocks past the 200th are not coloured, a text with more than 5,000 tags shows its HTML
as text, and one nested too deeply for Markdown is shown as escaped paragraphs. ``render``
never raises.
"""

import html
import logging
import re
import secrets
from dataclasses import dataclass, field
from xml.etree import ElementTree

import markdown
import nh3
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import slugify, slugify_unicode
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor, Preprocessor
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
    "img": {"src", "alt", "width", "height"},
    # Kept only on the headings this renderer made (see _filter_attribute).
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
    # Highlighted code is coloured by class names, from static/css/highlight.css.
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "span": {"class"},
    # Every input becomes a checkbox (SET_ATTRIBUTES; one attribute only, as nh3 adds several
    # in no fixed order and the same text must give the same HTML). Task lists' are disabled.
    "input": {"checked", "disabled"},
}
SET_ATTRIBUTES = {"input": {"type": "checkbox"}}
_INPUT_VALUES = {"type": "checkbox", "checked": "checked", "disabled": "disabled"}
URL_SCHEMES = {"http", "https", "mailto"}
# Elements removed with everything inside them: their content is code, or markup meant for
# another parser, never text a reader wants to see.
REMOVED_WITH_CONTENT = {
    "script", "style", "template", "iframe", "noscript", "noembed", "noframes", "xmp",
    "object", "svg", "math",
}  # fmt: skip
LINK_REL = "noopener noreferrer nofollow"
HEADING_PREFIX = "h-"

logger = logging.getLogger(__name__)

# Only the classes our own rendering produces may survive: Pygments' token classes (prefixed),
# the code block wrapper, a highlighted line, the task list marker and a [TOC] block. A class
# cannot run code, but it could dress text as one of our controls.
_CLASS = re.compile(r"^(?:hl-[a-z]{1,3}[0-9]?|highlight|hll|task-list-item|toc)$")
_HEADING = re.compile(r"^h[1-6]$")
# What a browser ignores in a URL: leading/trailing C0 controls and spaces, tabs and newlines.
_URL_STRIPPED = "".join(chr(code) for code in range(0x21))
_URL_IGNORED = re.compile(r"[\t\n\r]")
_IMAGE_SRC = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    html: str
    # Headings h2-h4 in order: {"level": 2, "id": "h-goals", "title": "Goals"}. The title is
    # plain text (``&`` is "&", not "&amp;"): templates escape it as usual, never mark it safe.
    toc: list[dict] = field(default_factory=list)


def _filter_attribute(tag: str, name: str, value: str, heading_mark: str = "") -> str | None:
    if name == "class":
        kept = " ".join(part for part in value.split() if _CLASS.match(part))
        return kept or None
    if name == "id":
        # Our headings' ids carry this render's secret mark; anyone else's id goes.
        if heading_mark and _HEADING.match(tag) and value.startswith(heading_mark):
            return value[len(heading_mark) :] or None
        return None
    if tag == "input":
        return _INPUT_VALUES.get(name)
    if name in ("colspan", "rowspan"):
        # A table cell spanning 100,000 columns is only a way to stall the reader's browser.
        return value if value.isdigit() and 0 < int(value) <= 100 else None
    if tag == "img" and name == "src":
        # Pictures only from the web: no data: (a whole payload in a URL), no page of ours.
        url = _URL_IGNORED.sub("", value).strip(_URL_STRIPPED)
        return value if _IMAGE_SRC.match(url) else None
    return value


def sanitise(html: str) -> str:
    """Keep only what ``ALLOWED_TAGS``/``ALLOWED_ATTRIBUTES`` allow; links get
    ``rel="noopener noreferrer nofollow"``, images need an http(s) address, every input is a
    checkbox and no element keeps an ``id`` (``render`` keeps its own headings' ids)."""
    return _clean(html, heading_mark="")


def _clean(html: str, *, heading_mark: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=SET_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=lambda tag, name, value: _filter_attribute(tag, name, value, heading_mark),
        link_rel=LINK_REL,
        strip_comments=True,
    )


# --- Markdown extensions -------------------------------------------------------------------------


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


class _MarkHeadingIds(Treeprocessor):
    """Runs after ``toc`` has given every heading its id: prefixes each with this render's
    secret mark, which the sanitiser requires and removes."""

    def run(self, root: ElementTree.Element) -> None:
        mark = self.md.heading_mark
        for element in root.iter():
            heading = isinstance(element.tag, str) and _HEADING.match(element.tag)
            if heading and element.get("id"):
                element.set("id", mark + element.get("id"))


def _heading_slug(value: str, separator: str) -> str:
    """``h-`` and the heading's words: ASCII when it has any, else its own script."""
    slug = slugify(value, separator) or slugify_unicode(value, separator) or "section"
    return HEADING_PREFIX + slug[:80].strip(separator)


# Python-Markdown reads a link's text and destination by walking the rest of the paragraph
# one character at a time, once for every "[" and for each of the six link patterns: a
# paragraph of 20,000 "[" takes minutes. A real link's text holds a few brackets and its
# destination a few hundred characters; past these bounds the "[" is text, as when unclosed.
_LINK_TEXT_BRACKETS = 16
_LINK_TEXT_CHARS = 5_000
_LINK_DESTINATION_CHARS = 4_000
_LINK_DESTINATION_PUNCTUATION = 24
_BRACKET = re.compile(r"[\[\]]")
_LINK_PUNCTUATION = re.compile(r"[()'\"]")


class _BoundedLink:
    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        depth = 1
        end = min(len(data), index + _LINK_TEXT_CHARS)
        if data.find("]", index, end) < 0:
            return "", len(data), False
        for seen, match in enumerate(_BRACKET.finditer(data, index, end)):
            if seen >= _LINK_TEXT_BRACKETS:
                break
            depth += 1 if match.group() == "[" else -1
            if depth == 0:
                return data[index : match.start()], match.end(), True
        return "", len(data), False

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        # The parent reads forward from ``index`` one character at a time, and only its
        # parentheses and quotes change what it does: give it the text up to the last of the
        # first few, in a window, then shift its answer back.
        end = min(len(data), index + _LINK_DESTINATION_CHARS)
        for seen, match in enumerate(_LINK_PUNCTUATION.finditer(data, index, end)):
            if seen >= _LINK_DESTINATION_PUNCTUATION:
                end = match.start()
                break
        href, title, stop, handled = super().getLink(data[index:end], 0)
        # (It answers -1 for `[a](b"c)`, an unclosed title; keep that as it is.)
        return href, title, index + stop if stop >= 0 else stop, handled


class _Link(_BoundedLink, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedLink, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_BoundedLink, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLink, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedLink, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedLink, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


# A code span's opening backticks are matched by walking the rest of the paragraph one
# character at a time; backtick runs of ever more ticks ("e`e``e```…") walk it once each.
_CODE_SPAN_CHARS = 20_000
_CODE_SPAN_RUNS = 200
_TICKS = re.compile(r"`+")


class _Backticks(inlinepatterns.BacktickInlineProcessor):
    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        """As the parent's, over runs of ticks found by a pattern, in a window."""
        opening = _TICKS.match(text, start)
        max_ticks = len(opening.group()) if opening else 0
        start += max_ticks
        longest_span, end = 0, 0
        window = min(len(text), start + _CODE_SPAN_CHARS)
        for seen, run in enumerate(_TICKS.finditer(text, start, window)):
            if seen >= _CODE_SPAN_RUNS:
                break
            span_length = len(run.group())
            if span_length == max_ticks:
                return start, run.start()
            if span_length > longest_span:
                longest_span, end = span_length, run.end()
        if 0 < longest_span < max_ticks:
            return start - (max_ticks - longest_span), end - longest_span
        return start + max_ticks, None


class _Table(TableProcessor):
    """The tables extension splits the whole block into rows to test its first two, and the
    block is tested again after every line another processor takes from it (a setext heading,
    a rule): quadratic in a long block. Give its test only the rows it reads: the first two,
    and for a header with a border (maybe a one-column table) the bordered rows after them
    up to the first without a border, where its test stops."""

    def test(self, parent: ElementTree.Element, block: str) -> bool:
        head = block.split("\n", 2)
        if len(head) < 2 or "|" not in head[0]:
            return False  # a table's header has a pipe
        rows = head[:2]
        if len(head) == 3 and self._bordered(head[0]) and self._bordered(head[1]):
            rest, start = head[2], 0
            while True:
                end = rest.find("\n", start)
                row = rest[start:] if end < 0 else rest[start:end]
                rows.append(row)
                if end < 0 or not self._bordered(row):
                    break
                start = end + 1
        return super().test(parent, "\n".join(rows))

    def _bordered(self, row: str) -> bool:
        row = row.strip(" ")
        return row.startswith("|") or self.RE_END_BORDER.search(row) is not None


# Python-Markdown parses a block (the lines between blank lines) by taking a line or two off
# its front, handing the rest back and testing it all again, copying it each time; inline, it
# rebuilds the whole paragraph after every link, emphasis or escape it finds. Both are
# quadratic in a block's length ("a\n=\n" or "\\" twenty thousand times took minutes). No
# real paragraph runs past a few thousand characters; long tables and lists are barely
# changed by a blank line.
_BLOCK_LINES = 300
_BLOCK_CHARS = 10_000
_TABLE_SEPARATOR = re.compile(r"^[ ]{0,3}\|?[ ]*:?-+:?[ ]*(?:\|[ ]*:?-+:?[ ]*)*\|?[ ]*$")


class _SplitLongBlocks(Preprocessor):
    """A blank line after every ``_BLOCK_LINES`` lines or ``_BLOCK_CHARS`` characters of one
    block (not before an indented line: code, or a list item's continuation); a table's
    header and separator are repeated after it, so that its next part is still a table with
    the same columns. A longer line is cut at spaces."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        count = chars = 0
        table_head: list[str] = []
        for line in lines:
            if not line.strip():
                count, chars, table_head = 0, 0, []
                out.append(line)
                continue
            if count == 1 and "|" in out[-1] + line and _TABLE_SEPARATOR.match(line):
                table_head = [out[-1], line]
            indented = line.startswith(" ")
            if count and (count >= _BLOCK_LINES or chars >= _BLOCK_CHARS) and not indented:
                out.extend(["", *table_head])
                count, chars = len(table_head), sum(map(len, table_head))
            if len(line) > _BLOCK_CHARS and not indented:
                *pieces, line = _cut(line)
                for piece in pieces:
                    out.extend([piece, ""])
                count, chars, table_head = 0, 0, []
            count += 1
            chars += len(line)
            out.append(line)
        return out


def _cut(line: str) -> list[str]:
    """``line`` in pieces of at most ``_BLOCK_CHARS``, at a space if there is one; never
    inside a placeholder Markdown left for stashed HTML (``\\x02…\\x03``)."""
    pieces = []
    while len(line) > _BLOCK_CHARS:
        cut = line.rfind(" ", _BLOCK_CHARS // 2, _BLOCK_CHARS)
        if cut < 0:
            cut = _BLOCK_CHARS
            opened = line.rfind("\x02", 0, cut)
            if opened > 0 and line.find("\x03", opened, cut) < 0:
                cut = opened
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    return [*pieces, line]


class _HtmlExtractor(HTMLExtractor):
    """The standard library's HTML parser rescans the rest of the text at every ``<`` it
    cannot close (``<a<a<a…``). After the last ``>`` nothing can be closed: say so at once."""

    def reset(self) -> None:
        self._last_gt_of: str | None = None
        self._last_gt = -1
        super().reset()

    def _unclosable(self, i: int) -> bool:
        if self._last_gt_of is not self.rawdata:
            self._last_gt_of = self.rawdata
            self._last_gt = self.rawdata.rfind(">")
        return i > self._last_gt

    def check_for_whole_start_tag(self, i: int) -> int:
        if self._unclosable(i):
            return -1
        return super().check_for_whole_start_tag(i)

    def parse_endtag(self, i: int) -> int:
        if self._unclosable(i):
            self.handle_data(self.rawdata[i : i + 2])
            return i + 2
        return super().parse_endtag(i)

    def parse_pi(self, i: int) -> int:
        if self._unclosable(i):
            self.handle_data(self.rawdata[i : i + 2])
            return i + 2
        return super().parse_pi(i)

    def parse_html_declaration(self, i: int) -> int:
        if self._unclosable(i):
            self.handle_data(self.rawdata[i : i + 2])
            return i + 2
        return super().parse_html_declaration(i)


class _HtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        parser = _HtmlExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


# Fenced code is found by rebuilding the whole text after each block (quadratic in the number
# of blocks), and every highlighted block costs Pygments a formatter: a text of 50,000 fences
# took a minute. Blocks are cut out one by one here, and past this many they are not coloured.
_HIGHLIGHTED_BLOCKS = 200


class _FencedBlocks(FencedBlockPreprocessor):
    """The parent's handling of one block at a time, on that block alone."""

    def run(self, lines: list[str]) -> list[str]:
        super().run([])  # finds codehilite's settings, once
        highlight = self.codehilite_conf
        text = "\n".join(lines)
        parts: list[str] = []
        done = index = blocks = 0
        while match := self.FENCED_BLOCK_RE.search(text, index):
            if match.group("attrs") and get_attrs_and_remainder(match.group("attrs"))[1]:
                index = match.end("attrs")  # unbalanced braces: not a fence (as the parent)
                continue
            blocks += 1
            self.codehilite_conf = highlight if blocks <= _HIGHLIGHTED_BLOCKS else {}
            parts.append(text[done : match.start()])
            parts.append("\n".join(super().run(match.group(0).split("\n"))))
            done = index = match.end()
        self.codehilite_conf = highlight
        parts.append(text[done:])
        return "".join(parts).split("\n")


# Raw HTML may nest as deep as it has start tags, and the HTML5 parser in nh3 walks the open
# elements at each block tag: 100,000 "<div>" take it twenty seconds. A text with more tags
# than this (counted in code too, which is why the bound is generous) is no document a person
# wrote by hand: its HTML is shown as text.
_RAW_START_TAGS = 5_000
_START_TAG = re.compile(r"<[A-Za-z]")


class _Lodestar(Extension):
    """Task lists, marked heading ids and the bounded processors above; without raw HTML
    (shown as text) when ``raw_html`` is false."""

    def __init__(self, *, raw_html: bool) -> None:
        self.raw_html = raw_html
        super().__init__()

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_TaskLists(md), "task_lists", 5)
        fenced = md.preprocessors["fenced_code_block"]
        md.preprocessors.register(_FencedBlocks(md, fenced.config), "fenced_code_block", 25)
        # toc runs at 5 and names the headings; marking them comes after (lower runs later).
        md.treeprocessors.register(_MarkHeadingIds(md), "mark_heading_ids", 4)
        if self.raw_html:
            md.preprocessors.register(_HtmlBlocks(md), "html_block", 20)
        else:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
        # After fenced code (25) and raw HTML (20) are stashed: they are one line each then.
        md.preprocessors.register(_SplitLongBlocks(md), "split_long_blocks", 15)
        patterns = md.inlinePatterns
        patterns.register(_Backticks(inlinepatterns.BACKTICK_RE), "backtick", 190)
        for name, processor, pattern, priority in (
            ("reference", _Reference, inlinepatterns.REFERENCE_RE, 170),
            ("link", _Link, inlinepatterns.LINK_RE, 160),
            ("image_link", _Image, inlinepatterns.IMAGE_LINK_RE, 150),
            ("image_reference", _ImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 140),
            ("short_reference", _ShortReference, inlinepatterns.REFERENCE_RE, 130),
            ("short_image_ref", _ShortImageReference, inlinepatterns.IMAGE_REFERENCE_RE, 125),
        ):
            patterns.register(processor(pattern, md), name, priority)
        tables = md.parser.blockprocessors
        tables.register(_Table(md.parser, tables["table"].config), "table", 75)


def _converter(*, raw_html: bool = True) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "codehilite",
            "toc",
            "sane_lists",
            "def_list",
            _Lodestar(raw_html=raw_html),
        ],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "codehilite": {
                "css_class": "highlight",
                "guess_lang": False,
                "classprefix": "hl-",
                "linenums": False,
            },
            "toc": {"permalink": False, "toc_depth": "2-4", "slugify": _heading_slug},
        },
        output_format="html",
    )


def _toc(tokens: list[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        flat.append(
            {"level": token["level"], "id": token["id"], "title": html.unescape(token["name"])}
        )
        flat.extend(_toc(token.get("children", [])))
    return flat


def _plain(text: str) -> str:
    """The text as escaped paragraphs: what a reader sees when Markdown cannot render it."""
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", text))
    return "\n".join(
        "<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs if part
    )


def render(text: str) -> Rendered:
    """``text`` (Markdown, possibly with raw HTML) as sanitised HTML with its headings."""
    text = (text or "").replace("\x00", "\ufffd")
    converter = _converter(raw_html=len(_START_TAG.findall(text)) <= _RAW_START_TAGS)
    converter.heading_mark = f"m{secrets.token_hex(8)}-"
    try:
        converted = converter.convert(text)
    except RecursionError:
        # Thousands of nested lists: Python-Markdown recurses once per level.
        return Rendered(html=sanitise(_plain(text)))
    except Exception:  # a bug in a Markdown extension must not lose the reader's text
        logger.exception("Markdown could not render a text of %d characters", len(text))
        return Rendered(html=sanitise(_plain(text)))
    return Rendered(
        html=_clean(converted, heading_mark=converter.heading_mark),
        toc=_toc(getattr(converter, "toc_tokens", [])),
    )


def render_html(text: str) -> str:
    """Only the HTML: comments, criteria, decisions."""
    return render(text).html
