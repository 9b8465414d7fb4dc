"""Optimistic concurrency under real contention: no write is ever lost."""

import threading

import pytest
from django.db import connection

from lodestar.concurrency import InvalidVersion, VersionConflict, apply_changes, parse_version
from products.models import Product
from tests.conftest import client_for, skip_or_fail
from tests.factories import ProductFactory


@pytest.mark.parametrize(
    ("raw", "expected"), [('"3"', 3), ('W/"12"', 12), ("7", 7), (5, 5), (' "2" ', 2)]
)
def test_parse_version_accepts_etags_and_numbers(raw, expected):
    assert parse_version(raw) == expected


@pytest.mark.parametrize("raw", ['"x"', "0", -1, True, "", '"1.5"', "*"])
def test_parse_version_rejects_anything_else(raw):
    with pytest.raises(InvalidVersion):
        parse_version(raw)


def test_apply_changes_refuses_a_stale_version_and_reports_the_current_row(db):
    product = ProductFactory(name="Before")
    Product.objects.filter(pk=product.pk).update(name="Theirs", version=2)
    with pytest.raises(VersionConflict) as conflict:
        apply_changes(product, expected_version=1, changes={"name": "Mine"})
    assert conflict.value.current.name == "Theirs"
    assert Product.objects.get(pk=product.pk).name == "Theirs"
    # The refused write leaves the caller's object as it was read, not half-changed.
    assert (product.name, product.version) == ("Before", 1)


def test_apply_changes_without_a_change_keeps_the_version(db):
    product = ProductFactory(name="Same")
    assert apply_changes(product, expected_version=1, changes={"name": "Same"}) == {}
    assert Product.objects.get(pk=product.pk).version == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_editors_never_lose_a_write(team):
    """8 editors × 10 writes each, every one sending the version it last read."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent writers need PostgreSQL (set DATABASE_URL)")
    url = f"/api/v1/products/{team.product.pk}/"
    successes: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def editor(worker: int) -> None:
        client = client_for(team.editor)
        try:
            for attempt in range(10):
                version = client.get(url).json()["version"]
                name = f"writer {worker} attempt {attempt}"
                response = client.patch(url, {"name": name}, HTTP_IF_MATCH=f'"{version}"')
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        successes.append(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert set(statuses) <= {200, 412}
    assert len(statuses) == 80
    product = Product.objects.get(pk=team.product.pk)
    # Every accepted write bumped the version exactly once; none was silently overwritten.
    assert product.version == 1 + len(successes)
    assert product.name == successes[-1] or product.name in successes
