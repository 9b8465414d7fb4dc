from lodestar.forms import merge_three_way

ORIGINAL = {"name": "Atlas", "description": "Route planning.\nLive tracking."}


def test_fields_changed_by_one_side_only_are_merged():
    merged, clashes = merge_three_way(
        original=ORIGINAL,
        yours={"name": "Atlas", "description": "Route planning.\nLive ETAs."},
        theirs={"name": "Atlas Fleet", "description": ORIGINAL["description"]},
    )
    assert merged == {"name": "Atlas Fleet", "description": "Route planning.\nLive ETAs."}
    assert clashes == []


def test_the_same_field_changed_differently_is_a_clash_that_keeps_yours():
    merged, clashes = merge_three_way(
        original=ORIGINAL,
        yours={"name": "Atlas Routing", "description": ORIGINAL["description"]},
        theirs={"name": "Atlas Fleet", "description": ORIGINAL["description"]},
    )
    assert clashes == ["name"]
    assert merged["name"] == "Atlas Routing"


def test_the_same_change_on_both_sides_is_no_clash():
    _, clashes = merge_three_way(
        original=ORIGINAL,
        yours={"name": "Atlas Fleet", "description": ORIGINAL["description"]},
        theirs={"name": "Atlas Fleet", "description": ORIGINAL["description"]},
    )
    assert clashes == []


def test_browser_line_endings_do_not_count_as_changes():
    # A textarea posts CRLF while the hidden original comes back with LF.
    merged, clashes = merge_three_way(
        original=ORIGINAL,
        yours={"name": "Atlas", "description": "Route planning.\r\nLive tracking."},
        theirs={"name": "Atlas Fleet", "description": "Route planning.\r\nLive tracking."},
    )
    assert clashes == []
    assert merged["name"] == "Atlas Fleet"


def test_without_originals_every_difference_is_a_clash():
    _, clashes = merge_three_way(
        original=None,
        yours={"name": "Atlas", "description": "x"},
        theirs={"name": "Atlas Fleet", "description": "x"},
    )
    assert clashes == ["name"]
