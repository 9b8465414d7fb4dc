"""A real Celery worker, fed through Redis, runs the token-expiry task against PostgreSQL.

Run locally with::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lodestar REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/pytest tests/lodestar/test_worker.py

The worker is a separate process started with ``python -m celery -A lodestar worker``: it sees
only what the test has committed (hence ``transaction=True``) and only what reaches it through
the broker. Tasks go to a queue no other worker listens on, on a Redis database of its own.
"""

import datetime
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import kombu.pools
import pytest
import redis
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from lodestar.celery import app as celery_app
from products.models import Activity, ApiToken
from products.tasks import api_tokens_revoke_expired_task
from tests.conftest import skip_or_fail
from tests.factories import ApiTokenFactory, ProductFactory
from tests.processes import PROJECT_ROOT

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEST_BROKER_DB = 15  # a Redis database of the tests' own; flushed when the worker starts
TASK_NAME = "products.api_tokens_revoke_expired"
READY_TIMEOUT = 60
TASK_TIMEOUT = 30


def _test_broker_url(redis_url: str) -> str:
    parts = urlsplit(redis_url)
    return urlunsplit(parts._replace(path=f"/{TEST_BROKER_DB}", query="", fragment=""))


def _test_database_url() -> str:
    """The URL of the database this test session uses (test_<name>, not the real one)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(db['NAME'], safe='')}"


def _reset_broker_connections() -> None:
    """Drop the app's cached broker connections so the next publish uses conf.broker_url."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
    kombu.pools.reset()  # closes and forgets the process-wide pools the app draws from


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    queue: str
    broker_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def report(self) -> str:
        return f"\n--- celery worker output (exit code {self.process.poll()}) ---\n{self.log()}"

    def wait_for(self, condition, what: str, timeout: float = TASK_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited while waiting for {what}{self.report()}")
            time.sleep(0.1)
        pytest.fail(f"timed out after {timeout}s waiting for {what}{self.report()}")

    def task_outcome(self, task_id: str) -> str | None:
        """What the worker logged when the task finished (``"1"``: its return value), or None."""
        match = re.search(
            rf"Task {re.escape(TASK_NAME)}\[{re.escape(task_id)}\] succeeded in [\d.e-]+s: (.*)",
            self.log(),
        )
        return match.group(1).strip() if match else None


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker on the test database and a dedicated broker, one per test.

    Not one per module: between transactional tests the database is flushed and its content
    types are recreated under new ids, which a long-lived worker would still have cached.
    """
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL as the test database (set DATABASE_URL=postgres://...)")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing.append("Redis (set REDIS_URL=redis://...)")
    if missing:
        skip_or_fail("the worker tests need " + " and ".join(missing))

    broker_url = _test_broker_url(redis_url)
    try:
        client = redis.Redis.from_url(broker_url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(
            f"the worker tests need Redis, and REDIS_URL={redis_url} is unreachable: {error}"
        )
    client.flushdb()
    client.close()

    queue = f"lodestar-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lodestar.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": broker_url,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lodestar",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, log_path=log_path, queue=queue, broker_url=broker_url)
    try:
        worker.wait_for(
            lambda: re.search(r"@\S+ ready\.", worker.log()) is not None,
            "the worker to report ready",
            timeout=READY_TIMEOUT,
        )
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def worker(celery_worker):
    """Send tasks through the test broker instead of running them in-process."""
    previous_broker = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False  # tests/conftest.py restores it afterwards
    celery_app.conf.broker_url = celery_worker.broker_url
    _reset_broker_connections()
    with celery_app.connection_for_write() as conn:
        assert conn.transport.driver_type == "redis", conn.as_uri()
        assert conn.as_uri().endswith(f"/{TEST_BROKER_DB}"), conn.as_uri()
    yield celery_worker
    celery_app.conf.broker_url = previous_broker
    _reset_broker_connections()
    # pytest shows this only for a failing test.
    print(celery_worker.report())


def _enqueue(worker: Worker) -> str:
    result = api_tokens_revoke_expired_task.apply_async(queue=worker.queue)
    # An eager run would return an EagerResult already done; this one is only queued.
    assert type(result).__name__ == "AsyncResult", type(result)
    return result.id


def _expired_and_valid_tokens() -> tuple[ApiToken, ApiToken]:
    now = timezone.now()
    expired = ApiTokenFactory(
        product=ProductFactory(name="Expiry Product"), expires_at=now - datetime.timedelta(hours=1)
    )
    valid = ApiTokenFactory(
        product=ProductFactory(name="Valid Product"), expires_at=now + datetime.timedelta(days=1)
    )
    return expired, valid


def _expired_entries(token: ApiToken):
    return Activity.objects.filter(
        verb="expired",
        target_type=ContentType.objects.get_for_model(ApiToken),
        target_id=str(token.pk),
    )


def test_worker_revokes_expired_tokens_end_to_end(worker):
    expired, valid = _expired_and_valid_tokens()

    task_id = _enqueue(worker)

    worker.wait_for(
        lambda: ApiToken.objects.filter(pk=expired.pk, revoked_at__isnull=False).exists(),
        "the worker to revoke the expired token",
    )
    worker.wait_for(lambda: worker.task_outcome(task_id) is not None, f"task {task_id} to finish")
    log = worker.log()
    assert f"Task {TASK_NAME}[{task_id}] received" in log, worker.report()
    assert worker.task_outcome(task_id) == "1", worker.report()

    expired.refresh_from_db()
    valid.refresh_from_db()
    assert expired.revoked_at is not None
    assert valid.revoked_at is None

    entries = list(_expired_entries(expired))
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry.channel == "task"
    assert entry.verb == "expired"
    assert entry.via == "api_tokens_revoke_expired"
    assert entry.product_id == expired.product_id
    assert entry.actor_id is None
    assert not _expired_entries(valid).exists()


def test_running_the_task_twice_records_once(worker):
    expired, valid = _expired_and_valid_tokens()

    first, second = _enqueue(worker), _enqueue(worker)

    for task_id in (first, second):
        worker.wait_for(
            lambda task_id=task_id: worker.task_outcome(task_id) is not None,
            f"task {task_id} to finish",
        )
    # One worker, one queue: the runs are in order, and only the first finds work to do.
    assert [worker.task_outcome(first), worker.task_outcome(second)] == ["1", "0"], worker.report()

    expired.refresh_from_db()
    valid.refresh_from_db()
    assert expired.revoked_at is not None
    assert valid.revoked_at is None
    assert _expired_entries(expired).count() == 1
    assert Activity.objects.filter(verb="expired").count() == 1
