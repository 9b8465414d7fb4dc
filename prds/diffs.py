"""What changed between two texts, line by line: one bounded comparison for every diff of PRDs
and contracts, shaped as runs for the API and as side-by-side rows (with word-level highlights)
for the pages."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Lines each side of a change that difflib compares line by line; a bigger change is one run of
# replaced lines. A 20,000-word PRD is about 3,000 lines, so any real edit is diffed in full
# (in tens of milliseconds); on crafted text (every other line moved) difflib's cost grows with
# the square of the lines, and this bound keeps that case under three seconds.
DIFF_LINES_MAX = 5_000


def line_runs(before: list[str], after: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes for two lists of lines, in order (together they rebuild both):
    ``(op, old_from, old_to, new_from, new_to)`` with op equal, insert, delete or replace."""
    # The unchanged start and end are found in linear time; only the middle is compared.
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(before), len(after)) - head
        and before[len(before) - 1 - tail] == after[len(after) - 1 - tail]
    ):
        tail += 1
    old_end, new_end = len(before) - tail, len(after) - tail
    runs = []
    if head:
        runs.append(("equal", 0, head, 0, head))
    if max(old_end, new_end) - head > DIFF_LINES_MAX:
        runs.append(("replace", head, old_end, head, new_end))
    else:
        # autojunk (the default) keeps blank lines from making the comparison quadratic.
        matcher = difflib.SequenceMatcher(None, before[head:old_end], after[head:new_end])
        runs += [
            (op, head + low_old, head + high_old, head + low_new, head + high_new)
            for op, low_old, high_old, low_new, high_new in matcher.get_opcodes()
        ]
    if tail:
        runs.append(("equal", old_end, len(before), new_end, len(after)))
    return [run for run in runs if run[2] > run[1] or run[4] > run[3]]


def hunks(old: str, new: str) -> list[dict]:
    """The change as runs of lines, in order: equal, inserted, deleted or replaced (together
    they rebuild both texts). What the API returns."""
    before, after = old.splitlines(), new.splitlines()
    return [
        {
            "op": op,
            "old_start": low_old + 1,
            "new_start": low_new + 1,
            "old_lines": before[low_old:high_old],
            "new_lines": after[low_new:high_new],
        }
        for op, low_old, high_old, low_new, high_new in line_runs(before, after)
    ]


class _Runs(difflib.SequenceMatcher):
    """A matcher that reports runs already found, so difflib groups them with context."""

    def __init__(self, runs: list[tuple[str, int, int, int, int]]):
        super().__init__(None, [], [])
        self.runs = runs

    def get_opcodes(self):
        return list(self.runs) or [("equal", 0, 1, 0, 1)]


_WORD = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
# Word-level highlighting compares two lines token by token; past this length a line is only
# marked as changed (the comparison is quadratic, and such a line is rarely prose).
WORD_DIFF_MAX = 4_000
# Below this share of tokens in common, two paired lines are a rewrite, not an edit.
WORD_DIFF_MIN_SIMILARITY = 0.5


@dataclass
class DiffRow:
    """One row of the side-by-side diff: the old line and the new (either may be missing), or
    a fold of ``skipped`` unchanged lines."""

    kind: str  # "equal", "delete", "insert", "replace", "fold"
    old_number: int | None = None
    new_number: int | None = None
    old: SafeString | str = ""
    new: SafeString | str = ""
    skipped: int = 0


def _mark(tokens: list[str], tag: str) -> str:
    text = escape("".join(tokens))
    return f"<{tag}>{text}</{tag}>" if text else ""


def _escaped(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - joined from escape() and our own <del>/<ins> tags


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Two versions of one line as HTML, with the words only one of them has in ``<del>``
    (old) and ``<ins>`` (new); a line too long or too rewritten for that is only escaped."""
    if len(old) + len(new) > WORD_DIFF_MAX:
        return escape(old), escape(new)
    a, b = _WORD.findall(old), _WORD.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < WORD_DIFF_MIN_SIMILARITY:
        # A rewritten line (its row is marked changed): highlighting the few words it happens
        # to share with the old one would be noise.
        return escape(old), escape(new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(escape("".join(a[i1:i2])))
            right.append(escape("".join(b[j1:j2])))
        else:
            left.append(_mark(a[i1:i2], "del"))
            right.append(_mark(b[j1:j2], "ins"))
    return _escaped("".join(left)), _escaped("".join(right))


def side_by_side(old_text: str, new_text: str, context: int = 3) -> list[DiffRow]:
    """The changed lines of two texts side by side, with ``context`` unchanged lines around
    each change and the rest folded. Changed lines paired up get word-level highlights."""
    a, b = old_text.splitlines(), new_text.splitlines()
    rows: list[DiffRow] = []
    shown_to = 0  # old lines before this index are shown or folded
    runs = line_runs(a, b)
    if all(run[0] == "equal" for run in runs):
        return rows
    for group in _Runs(runs).get_grouped_opcodes(context):
        first = group[0][1]
        if first > shown_to:
            rows.append(DiffRow("fold", skipped=first - shown_to))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset in range(i2 - i1):
                    line = escape(a[i1 + offset])
                    rows.append(DiffRow("equal", i1 + offset + 1, j1 + offset + 1, line, line))
                continue
            pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for offset in range(pairs):
                old, new = word_diff(a[i1 + offset], b[j1 + offset])
                rows.append(DiffRow("replace", i1 + offset + 1, j1 + offset + 1, old, new))
            for index in range(i1 + pairs, i2):
                rows.append(DiffRow("delete", old_number=index + 1, old=escape(a[index])))
            for index in range(j1 + pairs, j2):
                rows.append(DiffRow("insert", new_number=index + 1, new=escape(b[index])))
        shown_to = group[-1][2]
    if rows and shown_to < len(a):
        rows.append(DiffRow("fold", skipped=len(a) - shown_to))
    return rows
