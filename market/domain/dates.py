"""What dates a person or a client may send: days between 1900 and 2999 (any real certificate,
delivery or answer; never one whose arithmetic or time-zone conversion overflows), and an RFQ
deadline from now to at most ``MAX_DEADLINE_AHEAD`` ahead. One rule for every door and form."""

from __future__ import annotations

import datetime as dt

from market.domain.errors import N_, FieldCollector

#: The days a date field or filter may name: any real one, never one whose next day overflows.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)

#: How far ahead a deadline may be set (about five years).
MAX_DEADLINE_AHEAD = dt.timedelta(days=5 * 365)

DATE_RANGE_MESSAGE = N_("Enter a date from %(first)s to %(last)s.")
DEADLINE_RANGE_MESSAGE = N_("Set a deadline from now to %(last)s (UTC) at the latest.")


def day_in_range(day: dt.date) -> bool:
    """True for a day from ``FIRST_DAY`` to ``LAST_DAY``."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


def refuse_day(errors: FieldCollector, field: str, code: str) -> None:
    """Collect the field's error for a day out of range."""
    errors.add(field, code, DATE_RANGE_MESSAGE, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def check_day(errors: FieldCollector, field: str, day: dt.date | None, code: str) -> dt.date | None:
    """``day`` when in range; otherwise the field's error is collected and ``None`` returned."""
    if day is None or day_in_range(day):
        return day
    refuse_day(errors, field, code)
    return None


def latest_deadline(now: dt.datetime) -> dt.datetime:
    return now + MAX_DEADLINE_AHEAD


def deadline_in_range(deadline: dt.datetime, now: dt.datetime) -> bool:
    """A deadline a person may set now: not in the past, at most ``MAX_DEADLINE_AHEAD`` ahead."""
    return now <= deadline <= latest_deadline(now)


def check_deadline(
    errors: FieldCollector, field: str, deadline: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    """``deadline`` when a person may set it now; otherwise the field's error and ``None``."""
    if deadline is None or deadline_in_range(deadline, now):
        return deadline
    errors.add(
        field,
        "rfq.deadline_range",
        DEADLINE_RANGE_MESSAGE,
        last=latest_deadline(now).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
    )
    return None
