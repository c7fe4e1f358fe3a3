"""In-app notifications to an organisation (and, through the outbox, e-mail to its people)."""

from __future__ import annotations

import uuid
from typing import Any

from market.db import raw
from market.db.tables import AppUser, Notification
from market.domain.accounts import Actor
from market.i18n import translate
from market.services.context import ServiceContext


async def notify(
    ctx: ServiceContext,
    organisation_id: uuid.UUID,
    code: str,
    message: str,
    params: dict[str, Any],
    link: str = "",
) -> None:
    """Tell an organisation something; ``message`` is an English msgid translated when shown."""
    await notify_many(ctx, [organisation_id], code, message, params, link)


NOTIFICATIONS_PER_QUERY = 100


async def notify_many(
    ctx: ServiceContext,
    organisation_ids: list[uuid.UUID],
    code: str,
    message: str,
    params: dict[str, Any],
    link: str = "",
) -> None:
    """Tell each of many organisations the same thing (every bidder on an RFQ, say): the messages
    written and their people found a hundred organisations to a query."""
    now = ctx.now()
    for batch in raw.batches(organisation_ids, NOTIFICATIONS_PER_QUERY):
        await Notification.insert(
            *(
                Notification(
                    id=uuid.uuid4(),
                    organisation=organisation_id,
                    code=code,
                    message=message,
                    params=params,
                    link=link,
                    created_at=now,
                )
                for organisation_id in batch
            )
        )
        people = await AppUser.select(AppUser.email, AppUser.locale).where(
            AppUser.organisation.is_in(list(batch)), AppUser.disabled.eq(False)
        )
        for person in people:
            text = translate(person["locale"] or ctx.settings.default_locale, message, **params)
            await ctx.send_mail(person["email"], text[:200], text)


async def inbox(actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The latest messages to the actor's own organisation, newest first."""
    return await (
        Notification.select()
        .where(Notification.organisation == uuid.UUID(actor.organisation_id))
        .order_by(Notification.created_at, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


async def mark_all_read(ctx: ServiceContext, actor: Actor) -> None:
    await Notification.update({Notification.read_at: ctx.now()}).where(
        Notification.organisation == uuid.UUID(actor.organisation_id), Notification.read_at.is_null()
    )
