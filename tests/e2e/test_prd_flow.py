"""PRDs as the demo team uses them in a browser: the worst XSS payloads rendered in Chromium, a
deep link to one acceptance criterion and a comment on it, two editors colliding on the text,
review through to approval, and criteria reordered by drag."""

import base64
import re

import pytest
from playwright.sync_api import expect

from prds import services
from prds.models import AcceptanceCriterion, Comment, PrdStatus, Verdict
from products.activity import Actor
from products.models import Role
from tests.e2e.conftest import TIMEOUT_MS, login
from tests.factories import (
    CommentFactory,
    CriterionFactory,
    DecisionFactory,
    MembershipFactory,
    PrdFactory,
    ProductFactory,
    UserFactory,
)
from tests.prds.xss_payloads import WORST

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Beside the corpus's worst (which call alert(1)), payloads that set a flag instead, so that a
# script that ran without a dialog is caught too; and the link tricks a click would run.
FLAGGING = [
    '<img src=x onerror="window.__xss=1">',
    '<svg><animate onbegin="window.__xss=1" attributeName=x dur=1s>',
    '<details open ontoggle="window.__xss=1">toggle</details>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "[markdown link](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">html link</a>',
    '<a href="&#106;avascript:window.__xss=1">entity link</a>',
    '<a href="JaVaScRiPt&colon;window.__xss=1">mixed case link</a>',
    "[reference link][evil]\n\n[evil]: javascript:window.__xss=1",
]
PAYLOADS = [*WORST, *FLAGGING]
# Every payload in one text, each after a rule so it starts a fresh block. Those that leave an
# element open (an unclosed <svg>, <math>'s <style>) swallow what follows, so they come last.
_SWALLOWING = ("<svg", "<math", "<noscript")
ALL_OF_THEM = "\n\n---\n\n".join(sorted(PAYLOADS, key=lambda text: text.startswith(_SWALLOWING)))

# Where the reading page shows user text (stored, sanitised HTML).
USER_TEXT = "#prd-body, .criterion-body, .comment-body, .decision-context, .prd-review-comment"

# Anything in user text that could run, restyle, load or navigate: an event handler, inline
# style, a frame or embed, a script-capable URL (read back resolved, as the browser uses it).
FIND_EXECUTABLE = """(selector) => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "poster",
                         "background", "srcdoc", "srcset"];
  for (const region of document.querySelectorAll(selector)) {
    for (const element of region.querySelectorAll("*")) {
      const tag = element.tagName.toLowerCase();
      if (["script", "iframe", "frame", "object", "embed", "meta", "base", "style", "link",
           "form", "svg", "math", "template", "input", "button", "select", "textarea"]
          .includes(tag)) {
        found.push("<" + tag + ">");
      }
      for (const attribute of element.attributes) {
        const name = attribute.name.toLowerCase();
        if (name.startsWith("on") || name === "style" || name === "srcdoc") {
          found.push(tag + "[" + name + "]");
        }
        if (urlAttributes.includes(name) &&
            /^[\\s\\x00-\\x20]*(javascript|vbscript|data)\\s*:/i.test(attribute.value)) {
          found.push(tag + "[" + name + "=" + attribute.value + "]");
        }
      }
      if (tag === "a" && element.hasAttribute("href") &&
          !["http:", "https:", "mailto:"].includes(new URL(element.href).protocol)) {
        found.push("a[href resolves to " + new URL(element.href).protocol + "]");
      }
    }
  }
  return found;
}"""


def toast(page, text):
    return page.locator("#toasts .toast", has_text=text)


def web(user) -> Actor:
    return Actor(user=user, channel="web")


@pytest.fixture
def demo():
    """The demo product's people: Maya the TPM and Omar (editors), Diego the engineer
    (contributor)."""
    product = ProductFactory(name="Atlas Fleet Platform")
    people = {}
    for username, first, last, role in (
        ("maya", "Maya", "Chen", Role.EDITOR),
        ("omar", "Omar", "Haddad", Role.EDITOR),
        ("diego", "Diego", "Alvarez", Role.CONTRIBUTOR),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(product=product, user=user, role=role)
        people[username] = user
    return {"product": product, **people}


def reading_url(prd) -> str:
    return f"/products/{prd.product_id}/prds/{prd.pk}/"


def _watch_for_script(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _settle(page) -> None:
    """Let load-time handlers (onerror, ontoggle, SVG animation) fire if any survived."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)


def _xss_prd(demo):
    """A PRD whose every user-text field holds the payloads: the body, a criterion's given and
    then (one criterion per payload), a comment each, a decision's context each, and a
    review comment."""
    maya, diego = demo["maya"], demo["diego"]
    prd = PrdFactory(product=demo["product"], owner=maya, title="Late vehicles", body=ALL_OF_THEM)
    for payload in PAYLOADS:
        CriterionFactory(prd=prd, given=payload, when="the page loads", then=payload)
        CommentFactory(prd=prd, author=diego, body=payload)
        DecisionFactory(prd=prd, title="Poll or push", context=payload, decided_by=maya)
    review = services.review_request(by=web(maya), prd=prd, reviewer=diego)
    prd.refresh_from_db()
    services.prd_transition(
        prd=prd, by=web(maya), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    review.refresh_from_db()
    services.review_submit(
        review=review,
        by=web(diego),
        expected_version=review.version,
        verdict=Verdict.CHANGES_REQUESTED,
        comment=ALL_OF_THEM,
    )
    return prd


# A 1×1 transparent PNG: what any third-party address answers in these tests.
_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _stay_offline(context, live_server) -> None:
    """Nothing leaves the machine: a payload's third-party image (which the policy may allow)
    gets a pixel at once instead of a DNS lookup that fails, slowly, in a sandbox."""
    context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + r"/)https?://"),
        lambda route: route.fulfill(status=200, content_type="image/png", body=_PIXEL),
    )


# Markdown images may point anywhere; the policy's img-src keeps a third-party image from
# loading if it allows only our own. That refusal is a console error, and the only one this
# page may show.
_EXTERNAL_IMAGE_REFUSED = re.compile(
    r"(Refused to load|Loading) the image 'https://example\.com/[^']*' violates the following "
    r"Content Security Policy directive: \"img-src"
)


def test_worst_xss_payloads_run_nothing_in_chromium(
    page, browser, live_server, demo, browser_errors
):
    prd = _xss_prd(demo)
    _stay_offline(page.context, live_server)

    # 1. Under the real Content-Security-Policy: nothing is left for it to block. A surviving
    #    inline handler or javascript: URL would be a CSP violation, a console error, which
    #    the page fixture turns into a failure.
    dialogs = _watch_for_script(page)
    login(page, live_server, demo["maya"])
    page.goto(reading_url(prd))
    expect(page.get_by_role("heading", name="Late vehicles", level=1)).to_be_visible()
    _settle(page)
    expect(page.locator(".criterion")).to_have_count(len(PAYLOADS))
    expect(page.locator(".comment")).to_have_count(len(PAYLOADS))
    expect(page.locator(".decision")).to_have_count(len(PAYLOADS))
    expect(page.locator(".prd-review-comment")).to_have_count(1)
    assert page.evaluate(FIND_EXECUTABLE, USER_TEXT) == []
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    browser_errors.errors[:] = [
        error for error in browser_errors.errors if not _EXTERNAL_IMAGE_REFUSED.search(error)
    ]

    # 2. Without the policy's safety net: only the sanitiser stands between a payload and a
    #    running script, so a dialog or the flag would show what it let through. Every link in
    #    the user text is clicked too: none may run script or leave the page.
    bare = browser.new_context(base_url=live_server.url, bypass_csp=True)
    bare.set_default_timeout(TIMEOUT_MS)
    _stay_offline(bare, live_server)
    try:
        unsafe = bare.new_page()
        dialogs = _watch_for_script(unsafe)
        errors: list[str] = []
        unsafe.on("pageerror", lambda error: errors.append(str(error)))
        login(unsafe, live_server, demo["maya"])
        unsafe.goto(reading_url(prd))
        _settle(unsafe)
        assert dialogs == []
        assert unsafe.evaluate("typeof window.__xss") == "undefined"

        links = unsafe.locator(", ".join(f"{region} a" for region in USER_TEXT.split(", ")))
        # the five link payloads, in the body, criteria, comments, decisions, the review
        assert links.count() >= 5 * 5
        navigated: list[str] = []
        unsafe.on(
            "framenavigated",
            lambda frame: navigated.append(frame.url) if frame == unsafe.main_frame else None,
        )
        page_url = unsafe.url.split("#")[0]
        for index in range(links.count()):
            link = links.nth(index)
            href = link.get_attribute("href")
            assert href is None or not re.match(r"\s*(javascript|vbscript|data):", href, re.I)
            link.evaluate("a => a.click()")
        _settle(unsafe)
        assert dialogs == []
        assert unsafe.evaluate("typeof window.__xss") == "undefined"
        assert all(url.split("#")[0] == page_url for url in navigated), navigated
        assert unsafe.url.split("#")[0] == page_url
        assert errors == []
    finally:
        bare.close()


def test_engineer_opens_a_criterion_by_its_deep_link_and_comments_on_it(page, live_server, demo):
    long_body = "\n\n".join(
        f"## Section {n}\n\n" + "Dispatchers plan the day; drivers follow it in the app. " * 12
        for n in range(1, 9)
    )
    prd = PrdFactory(
        product=demo["product"], owner=demo["maya"], title="Late vehicles", body=long_body
    )
    first, second, third = (
        CriterionFactory(prd=prd, when=f"vehicle {n} is 10 minutes late") for n in (1, 2, 3)
    )
    login(page, live_server, demo["diego"])
    page.goto(f"{reading_url(prd)}#ac-{second.pk}")

    target = page.locator(f"#ac-{second.pk}")
    expect(target).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 300  # the long body was scrolled past
    assert target.evaluate("el => el.matches(':target')")
    # The :target rule marks it with an accent bar; its neighbours have none.
    shadow = "el => getComputedStyle(el.querySelector('.criterion-main')).boxShadow"
    highlighted = target.evaluate(shadow)
    assert "inset" in highlighted
    for other in (first, third):
        assert page.locator(f"#ac-{other.pk}").evaluate(shadow) == "none"

    target.locator("summary", has_text="Comment on this criterion").click()
    text = "Does amber also cover vehicles parked at the depot?"
    target.get_by_label("Comment on this criterion").fill(text)
    target.get_by_role("button", name="Comment", exact=True).click()

    # Back on the reading page, at the new comment's anchor.
    expect(page).to_have_url(re.compile(rf"{reading_url(prd)}#comment-\d+$"))
    comment = Comment.objects.get(prd=prd, body=text)
    assert comment.criterion_id == second.pk
    assert comment.author == demo["diego"]
    assert page.url.endswith(f"#{comment.anchor}")
    target = page.locator(f"#ac-{second.pk}")
    expect(target.locator(f"#{comment.anchor} .comment-body")).to_have_text(text)
    expect(target.locator(f"#{comment.anchor} .comment-author")).to_have_text("Diego Alvarez")
    for other in (first, third):
        expect(page.locator(f"#ac-{other.pk} .comment")).to_have_count(0)
    expect(page.locator("#prd-comments .comment")).to_have_count(0)


def test_second_editor_with_a_stale_text_gets_the_conflict_not_an_overwrite(
    page, browser, live_server, demo, browser_errors
):
    prd = PrdFactory(
        product=demo["product"],
        owner=demo["maya"],
        title="Late vehicles",
        body="## Problem\n\nDispatchers cannot see which vehicles are late.",
    )
    revisions_before = prd.revisions.count()
    edit_url = f"{reading_url(prd)}edit/"
    other_context = browser.new_context(base_url=live_server.url)
    other_context.set_default_timeout(TIMEOUT_MS)
    other_context.on("page", browser_errors.watch)
    other = other_context.new_page()
    try:
        login(page, live_server, demo["maya"])
        login(other, live_server, demo["omar"])
        page.goto(edit_url)
        other.goto(edit_url)

        omar_text = "## Problem\n\nDispatchers learn of late vehicles by SMS only."
        other.locator("textarea[name=body]").fill(omar_text)
        other.get_by_role("button", name="Save").click()
        expect(other).to_have_url(re.compile(rf"{reading_url(prd)}$"))
        expect(other.locator("#prd-body")).to_contain_text("by SMS only")

        browser_errors.expect_http_status(409)
        maya_text = "## Problem\n\nDispatchers phone every driver to find the late ones."
        page.locator("textarea[name=body]").fill(maya_text)
        page.get_by_role("button", name="Save").click()
        panel = page.get_by_role("alert").filter(has_text="Someone else saved this")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Dispatchers learn of late vehicles by SMS only.")
        expect(panel).to_contain_text("Dispatchers phone every driver to find the late ones.")
        expect(panel).to_contain_text("both changed")

        prd.refresh_from_db()
        assert prd.body == omar_text
        assert prd.revisions.count() == revisions_before + 1
        assert prd.current_revision.body == omar_text
    finally:
        other_context.close()


def test_review_request_approval_and_approved_status(
    page, browser, live_server, demo, browser_errors
):
    prd = PrdFactory(product=demo["product"], owner=demo["maya"], title="Late vehicles")
    login(page, live_server, demo["maya"])
    page.goto(reading_url(prd))
    badge = page.locator(".prd-facts .badge-status")
    expect(badge).to_have_text("Draft")

    page.locator("#reviews select[name=reviewer]").select_option(label="Diego Alvarez")
    page.get_by_role("button", name="Request review").click()
    expect(page.locator("#reviews .verdict", has_text="Diego Alvarez")).to_contain_text("Pending")
    page.locator("#status").get_by_role("button", name="Ask for review").click()
    expect(badge).to_have_text("In review")
    # Not approvable yet: Diego has not approved.
    expect(page.locator("#status").get_by_role("button", name="Approve")).to_be_disabled()

    other_context = browser.new_context(base_url=live_server.url)
    other_context.set_default_timeout(TIMEOUT_MS)
    other_context.on("page", browser_errors.watch)
    try:
        engineer = other_context.new_page()
        login(engineer, live_server, demo["diego"])
        engineer.goto(reading_url(prd))
        form = engineer.locator(".prd-verdict-form")
        form.locator("textarea[name=comment]").fill("Covers night shifts now. Ship it.")
        form.get_by_role("button", name="Approve").click()
        expect(engineer.locator("#reviews .verdict", has_text="Diego Alvarez")).to_contain_text(
            "Approved"
        )
    finally:
        other_context.close()

    page.reload()
    page.locator("#status").get_by_role("button", name="Approve").click()
    expect(badge).to_have_text("Approved")
    page.reload()
    expect(page.locator(".prd-facts .badge-status")).to_have_text("Approved")
    prd.refresh_from_db()
    assert prd.status == PrdStatus.APPROVED


def test_editor_drags_the_third_criterion_to_the_top_and_it_stays(page, live_server, demo):
    prd = PrdFactory(product=demo["product"], owner=demo["maya"], title="Late vehicles")
    first, second, third = (
        CriterionFactory(prd=prd, when=f"vehicle {n} is 10 minutes late") for n in (1, 2, 3)
    )
    login(page, live_server, demo["maya"])
    page.goto(reading_url(prd))
    rows = page.locator("ol.criteria > li.criterion")
    expect(rows).to_have_count(3)
    page.wait_for_function("() => document.querySelector('.criteria-sortable')._prdSortable")

    handle = page.locator(f"#ac-{third.pk} .ac-handle")
    handle.scroll_into_view_if_needed()
    start, goal = handle.bounding_box(), page.locator(f"#ac-{first.pk}").bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    goal_y = goal["y"] + 4
    with page.expect_response(lambda response: f"/criteria/{third.pk}/move/" in response.url):
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 21):
            page.mouse.move(x, y + (goal_y - y) * step / 20)
        # SortableJS ignores a row while it is still animating out of the way: nudge the
        # pointer until the dragged row is placed first, as a person would hold it there.
        for nudge in range(20):
            if rows.first.get_attribute("data-id") == str(third.pk):
                break
            page.wait_for_timeout(50)
            page.mouse.move(x, goal_y + nudge % 2)
        page.mouse.up()
    expect(toast(page, "Moved the criterion first.")).to_be_visible()

    order = [third.pk, first.pk, second.pk]
    assert list(AcceptanceCriterion.objects.filter(prd=prd).values_list("pk", flat=True)) == order
    page.reload()
    expect(rows).to_have_count(3)
    assert [int(pk) for pk in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")] == order
