"""Shared steps of the roadmaps page tests: who calls in a role matrix, logging them in, and the
status a page answers each of them."""

ROLES = ["admin", "editor", "contributor", "viewer"]
CALLERS = [*ROLES, "outsider", "anonymous"]


def log_in(client, team, caller: str) -> None:
    """Log ``caller`` (a role, "outsider" or "anonymous") of ``team``'s product in."""
    if caller != "anonymous":
        client.force_login(team.user(caller))


def expected_status(caller: str, minimum: str, ok: int) -> int:
    """``ok`` for members with at least the ``minimum`` role, 403 below it, 404 for outsiders
    (the product is not theirs to know about) and 302 to the login page for anonymous callers."""
    if caller == "anonymous":
        return 302
    if caller == "outsider":
        return 404
    return ok if ROLES.index(caller) <= ROLES.index(minimum) else 403
