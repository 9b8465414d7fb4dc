"""The roadmap under real contention (PostgreSQL): no lost update, no cycle slipping through."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from products.activity import Actor
from roadmaps.models import Dependency, RoadmapItem
from roadmaps.services import dependency_create
from tests.conftest import client_for, skip_or_fail
from tests.factories import RoadmapItemFactory

EDITORS = 20
WRITES_EACH = 50


def _run_in_threads(count: int, work) -> None:
    def run(worker: int) -> None:
        try:
            work(worker)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)


@pytest.mark.django_db(transaction=True)
def test_twenty_editors_writing_one_item_lose_nothing(team):
    """20 editors × 50 writes each to one item, every write naming the version it last read:
    the final version counts exactly the accepted writes; every other write got 412."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent writers need PostgreSQL (set DATABASE_URL)")
    item = RoadmapItemFactory(product=team.product, title="Route optimiser")
    url = f"/api/v1/roadmap-items/{item.pk}/"
    accepted: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def editor(worker: int) -> None:
        client = client_for(team.editor)
        version = item.version
        for attempt in range(WRITES_EACH):
            title = f"editor {worker} write {attempt}"
            response = client.patch(
                url, {"title": title}, format="json", HTTP_IF_MATCH=f'"{version}"'
            )
            body = response.json()
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 200:
                    accepted.append(title)
            # Carry on from what the server says is current, as a real client would.
            version = body["version"] if response.status_code == 200 else body["current"]["version"]

    _run_in_threads(EDITORS, editor)

    assert len(statuses) == EDITORS * WRITES_EACH
    assert set(statuses) <= {200, 412}
    item = RoadmapItem.objects.get(pk=item.pk)
    assert item.version == 1 + len(accepted)
    assert item.title in accepted


@pytest.mark.django_db(transaction=True)
def test_links_added_at_once_cannot_close_a_cycle(team):
    """Ten pairs of opposite links (A blocks B, B blocks A) added at the same moment: exactly
    one link of each pair is kept."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent dependency checks need PostgreSQL (set DATABASE_URL)")
    pairs = [
        (RoadmapItemFactory(product=team.product), RoadmapItemFactory(product=team.product))
        for _ in range(10)
    ]
    refused: list[str] = []
    lock = threading.Lock()
    by = Actor.task("test", user=team.editor)

    def add(worker: int) -> None:
        first, second = pairs[worker // 2]
        blocker, blocked = (first, second) if worker % 2 == 0 else (second, first)
        try:
            dependency_create(by=by, product=team.product, blocker=blocker, blocked=blocked)
        except ValidationError as error:
            with lock:
                refused.append(error.message_dict["blocked"][0])

    _run_in_threads(len(pairs) * 2, add)

    assert Dependency.objects.filter(product=team.product).count() == len(pairs)
    assert len(refused) == len(pairs)
    assert all("cycle" in message for message in refused)
