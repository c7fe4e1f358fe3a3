from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from market.domain.audit import GENESIS, AuditEntry, seal, verify_chain

T0 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous = GENESIS
    for seq in range(1, n + 1):
        entry = seal(
            seq,
            T0 + dt.timedelta(seconds=seq),
            f"user-{seq % 3}",
            "bid.submitted",
            f"rfq-{seq}",
            {"hash": f"{seq:064x}", "amount": str(seq * 10)},
            previous,
        )
        entries.append(entry)
        previous = entry.hash
    return entries


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(chain(20)) is None
    assert verify_chain([]) is None


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 25), data=st.data())
def test_every_mutation_is_found_at_the_right_entry(n: int, data: st.DataObject) -> None:
    """The verifier names the first place where the stored chain was tampered with.

    An inserted entry can be sealed correctly by a forger; it shows at the entry after it, whose
    link no longer holds. (Cutting entries off the end is caught by the head kept apart.)
    """
    entries = chain(n)
    kind = data.draw(st.sampled_from(["edit", "delete", "insert", "reorder"]))
    i = data.draw(st.integers(0, n - 2))  # not the last entry: see the docstring
    if kind == "edit":
        field = data.draw(st.sampled_from(["actor", "action", "subject", "details", "at"]))
        changed = {
            "actor": "intruder",
            "action": "bid.read",
            "subject": "rfq-x",
            "details": {"amount": "1"},
            "at": entries[i].at + dt.timedelta(microseconds=1),
        }[field]
        entries[i] = dataclasses.replace(entries[i], **{field: changed})
        expected = i + 1
    elif kind == "delete":
        del entries[i]
        expected = i + 1
    elif kind == "insert":
        forged = seal(i + 1, T0, "intruder", "bid.read", "rfq-x", {}, entries[i - 1].hash if i else GENESIS)
        entries.insert(i, forged)
        expected = i + 2
    else:
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        entries[i], entries[j] = entries[j], entries[i]
        expected = min(i, j) + 1
    found = verify_chain(entries)
    assert found is not None and found.position == expected, (kind, found)
