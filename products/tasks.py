from celery import shared_task

from .activity import Actor
from .services import api_tokens_revoke_expired


@shared_task(
    name="products.api_tokens_revoke_expired",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def api_tokens_revoke_expired_task() -> int:
    return api_tokens_revoke_expired(by=Actor.task("api_tokens_revoke_expired"))
