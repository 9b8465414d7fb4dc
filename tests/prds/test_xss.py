"""Every payload of the XSS corpus through every user text a PRD shows as HTML.

The stored HTML is read back and audited with a parser: no element that runs or loads
anything, no event handler, no style, no address with an executable scheme, nothing that
closes the page's own elements. The bulk goes through ``lodestar.markdown`` in every Markdown
context a payload could sit in; every payload then goes through each service that stores
rendered HTML, so that no field escapes the renderer.
"""

import re
from html.parser import HTMLParser

import pytest

from lodestar.markdown import render_html
from prds import services
from prds.models import AcceptanceCriterion, Comment, Decision, PrdRevision, PrdStatus, Verdict
from products.activity import Actor
from tests.factories import PrdFactory, ReviewFactory
from tests.prds.xss_payloads import PAYLOADS, WORST

# Elements that run script, load a document or a style, navigate, submit, or switch the parser
# into another language. None may appear in rendered user text.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link",
    "meta", "base", "form", "button", "select", "textarea", "option", "svg", "math", "template",
    "noscript", "isindex", "video", "audio", "source", "track", "body", "html", "head", "title",
    "xmp", "animate", "set", "foreignobject", "marquee", "portal", "dialog",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "srcset", "ping", "codebase", "dynsrc", "lowsrc", "longdesc", "manifest", "to",
    "from", "values", "icon",
}  # fmt: skip
EXECUTABLE_SCHEMES = ("javascript:", "vbscript:", "data:")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
# What a browser ignores in a URL before reading its scheme: C0 controls and spaces around it,
# tabs and newlines anywhere.
_URL_STRIPPED = "".join(chr(c) for c in range(0x21))
_URL_REMOVED = re.compile(r"[\t\n\r]")


class _Audit(HTMLParser):
    def __init__(self):
        # Attribute values come back with their entities decoded, once, as a browser reads them.
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def _element(self, tag, attrs):
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            elif name in {"style", "srcdoc", "name", "form", "http-equiv", "target"}:
                self.problems.append(f"{name} attribute on <{tag}>")
            elif name in URL_ATTRIBUTES and value is not None:
                url = _URL_REMOVED.sub("", value).strip(_URL_STRIPPED).lower()
                if url.startswith(EXECUTABLE_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            elif name == "id" and not (re.fullmatch(r"h[1-6]", tag) and value.startswith("h-")):
                self.problems.append(f"id={value!r} on <{tag}> (could clobber the page's ids)")
        if tag == "input" and dict(attrs).get("type") != "checkbox":
            self.problems.append("an input that is not a checkbox")

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes an element it did not open")
        else:
            self.open.pop()

    def handle_comment(self, data):
        self.problems.append("a comment")

    def handle_decl(self, decl):
        self.problems.append(f"a declaration <!{decl}>")

    def handle_pi(self, data):
        self.problems.append("a processing instruction")

    def unknown_decl(self, data):
        self.problems.append(f"a declaration <![{data}")


def executable_parts(html: str) -> list[str]:
    """What in ``html`` could run, load, style, navigate or break out of its container."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    if audit.open:
        audit.problems.append(f"unclosed {audit.open}")
    return audit.problems


def audit_all(rendered: dict[str, str]) -> dict[str, list[str]]:
    """``{label: html}`` → the labels whose HTML has any executable part, with the parts."""
    found = {label: executable_parts(html) for label, html in rendered.items()}
    return {label: parts for label, parts in found.items() if parts}


# --- The corpus and the audit ---------------------------------------------------------------------


def test_the_corpus_is_large_varied_and_names_its_worst():
    assert len(PAYLOADS) >= 60
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert 5 <= len(WORST) <= 10 and set(WORST) <= set(PAYLOADS)
    kinds = {
        "markdown links": r"^\[|\]\(",
        "markdown images": r"!\[",
        "entities": r"&#|&[a-z]+;",
        "svg": r"<svg",
        "math": r"<math",
        "mixed case": r"<(?!svg|math)[A-Z]|ScRiPt|JaVa",
        "style": r"style",
        "frames": r"<i?frame",
        "objects": r"<object|<embed",
        "meta refresh": r"refresh",
        "base": r"<base",
        "forms": r"formaction|<form",
        "srcdoc": r"srcdoc",
        "template syntax": r"\{\{|\{%",
    }
    for kind, pattern in kinds.items():
        assert any(re.search(pattern, payload) for payload in PAYLOADS), kind


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" \x01JAVA\tSCRIPT:alert(1)">x</a>',
        '<img src="data:image/svg+xml,x">',
        '<p style="color:red">x</p>',
        "<svg><a xlink:href='javascript:alert(1)'></a></svg>",
        '<button formaction="javascript:alert(1)">x</button>',
        '<iframe srcdoc="x"></iframe>',
        "</div>",
        "<div>",
        "<!-- x -->",
        '<h2 id="main">x</h2>',
        "<input>",
    ],
)
def test_the_audit_finds_what_it_looks_for(html):
    assert executable_parts(html)


def test_the_audit_passes_ordinary_rich_text():
    assert not executable_parts(
        render_html(
            "## Goals\n\n[link](https://example.com) ![i](https://example.com/i.png)\n\n"
            "- [x] done\n\n| a |\n|---|\n| 1 |\n\n```python\nx = 1\n```"
        )
    )


# --- Through the renderer, in every Markdown context ----------------------------------------------

CONTEXTS = {
    "alone": lambda p: p,
    "in a paragraph": lambda p: f"The dispatcher sees {p} on the map.",
    "in a heading": lambda p: f"## {p}",
    "in a list item": lambda p: f"- first\n- {p}",
    "in a task": lambda p: f"- [ ] {p}",
    "in a table cell": lambda p: f"| a | b |\n|---|---|\n| {p.replace(chr(10), ' ')} | x |",
    "in a quote": lambda p: f"> {p}",
    "as link text": lambda p: f"[{p}](https://example.com)",
    "in emphasis": lambda p: f"**{p}** and _{p}_",
    "after raw html": lambda p: f'<div class="card">\n{p}\n</div>',
}


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_no_payload_survives_rendering_in_any_markdown_context(context):
    survivors = audit_all({payload: render_html(context(payload)) for payload in PAYLOADS})
    assert survivors == {}


def test_the_whole_corpus_at_once_renders_safely():
    assert executable_parts(render_html("\n\n".join(PAYLOADS))) == []


# --- Through every service that stores rendered HTML ----------------------------------------------

FIELDS = (
    "PRD body",
    "criterion given",
    "criterion when",
    "criterion then",
    "criterion text",
    "comment body",
    "review comment",
    "decision context",
)


def store_every_payload(team) -> tuple[int, dict[tuple[str, str], str]]:
    """Each payload saved once in each field, through the services as the pages and API do.
    Returns the PRD's id and the review comments' stored HTML (a review keeps only its latest
    verdict, so each is read back as it is saved)."""
    editor = Actor(user=team.editor, channel="web")
    reviewer = Actor(user=team.contributor, channel="web")
    prd = PrdFactory(product=team.product, owner=team.editor)
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=editor, expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    review_html = {}
    for payload in PAYLOADS:
        services.prd_update(prd=prd, by=editor, expected_version=prd.version, body=payload)
        services.criterion_create(
            by=editor, prd=prd, given=payload, when=payload, then=payload, text=payload
        )
        services.comment_create(by=reviewer, prd=prd, body=payload)
        review.refresh_from_db()  # the new text reopened the review (a new version)
        services.review_submit(
            review=review,
            by=reviewer,
            expected_version=review.version,
            verdict=Verdict.CHANGES_REQUESTED,
            comment=payload,
        )
        review.refresh_from_db()
        review_html["review comment", review.comment] = review.comment_html
        services.decision_create(
            by=editor,
            prd=prd,
            title="Transport",
            choice="Poll",
            options=[{"name": "Poll"}],
            decided_by=team.editor,
            context=payload,
        )
    return prd.pk, review_html


def test_every_payload_through_every_user_text_field_is_stored_safe(team):
    prd_id, stored = store_every_payload(team)
    for revision in PrdRevision.objects.filter(prd_id=prd_id, body__in=PAYLOADS):
        stored["PRD body", revision.body] = revision.body_html
    for criterion in AcceptanceCriterion.objects.filter(prd_id=prd_id):
        for part in ("given", "when", "then", "text"):
            stored[f"criterion {part}", getattr(criterion, part)] = criterion.html[part]
    for comment in Comment.objects.filter(prd_id=prd_id):
        stored["comment body", comment.body] = comment.body_html
    for decision in Decision.objects.filter(prd_id=prd_id):
        stored["decision context", decision.context] = decision.context_html

    assert {field for field, _ in stored} == set(FIELDS)
    assert len(stored) == len(PAYLOADS) * len(FIELDS)  # every payload in every field
    assert audit_all({f"{field}: {text}": html for (field, text), html in stored.items()}) == {}
    # Each field holds what the one renderer makes of its text, no other path.
    assert [key for key, html in stored.items() if html != render_html(key[1])] == []
