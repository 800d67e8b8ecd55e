"""Why does an assignment's day hold the value it holds? The value now, and the changes that moved it.

A recompute run records, per assignment, the days whose stored weight, population or biomass it changed
(``StateMove``: old and new values) and the marks it drained (``MarkCause``: the marking transaction's id and
context). The history rows written by those transactions (``pgh_xid``) are the edits behind the run (a cast
saved with its sample counts as the sample's edit). So the
answer for (assignment, day) is: the runs that moved that day, newest first, each with its edits in words —
"11 Mar 14:02, anna corrected the growth sample of 10 Mar from 2,150 g to 2,050 g: average weight from 10 Mar
onward recomputed (−4.6 % on 12 Mar)". A run of the verifier's repair says so instead: "repaired by the
nightly verification: a write that bypassed the records". A day no run moved has no changes.

A fixed number of queries whatever the history's size: the state, the moves, the causes, one UNION over the
event tables for the causes' transactions, then each matched event's previous version (one per kind).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apps.audit.context import history_recorded
from apps.audit.history import EVENTS, _previous_versions, day_words, number, summary, through, who
from apps.audit.models import MarkCause, StateMove
from apps.batch.models import ActualDailyAssignmentState

REPAIR_TRIGGERS = ("verify_repair",)
REPAIR_WORDS = "repaired by the nightly verification: a write that bypassed the records"
EVENTS_PER_RUN = 20  # a bulk import names its first twenty edits and counts the rest


def _percent(old: Decimal, new: Decimal) -> str:
    if not old:
        return ""
    change = (Decimal(new) - Decimal(old)) / Decimal(old) * 100
    sign = "+" if change > 0 else "\u2212" if change < 0 else "±"
    return f"{sign}{abs(change):.1f} %"


def _moved_words(values: list, day: dt.date) -> str:
    """ "−4.6 % on 12 Mar" for the weight (and the population and biomass when they moved)."""
    old_w, new_w, old_p, new_p, old_b, new_b = values
    parts = []
    if old_w != new_w:
        parts.append(_percent(Decimal(old_w), Decimal(new_w)))
    if old_p != new_p:
        parts.append(f"population {'+' if new_p > old_p else ''}{number(new_p - old_p, 'fish')}")
    if old_w == new_w and old_p == new_p and old_b != new_b:
        parts.append(f"biomass {_percent(Decimal(old_b), Decimal(new_b))}")
    return f"{', '.join(p for p in parts if p)} on {day_words(day)}"


def _what_moved(values: list) -> str:
    old_w, new_w, old_p, new_p, _, _ = values
    if old_w != new_w and old_p != new_p:
        return "average weight and population"
    return "average weight" if old_w != new_w else "population" if old_p != new_p else "biomass"


def _clock(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.day} {local:%b %H:%M}"


def _events_of(xids: set[int]) -> dict[int, list[tuple[str, object]]]:
    """Per transaction id, its history rows as (kind, event), oldest first: one UNION to find them, then one
    query per kind found."""
    if not xids:
        return {}
    selects = [
        f"SELECT %s AS kind, pgh_id, pgh_xid FROM {model._meta.db_table} WHERE pgh_xid = ANY(%s)"
        for model in EVENTS.values()
    ]
    params: list = []
    for kind in EVENTS:
        params += [kind, list(xids)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects) + " ORDER BY 2", params)
        found = cursor.fetchall()
    ids_by_kind: dict[str, list[int]] = {}
    for kind, pgh_id, _ in found:
        ids_by_kind.setdefault(kind, []).append(pgh_id)
    by_xid: dict[int, list[tuple[str, object]]] = {}
    for kind, ids in ids_by_kind.items():
        for event in EVENTS[kind].objects.filter(pgh_id__in=ids[: EVENTS_PER_RUN * 5]):
            by_xid.setdefault(event.pgh_xid, []).append((kind, event))
    for events in by_xid.values():
        events.sort(key=lambda pair: (pair[1].pgh_created_at, pair[1].pgh_id))
    return by_xid


SAMPLE_KIND, CAST_KIND = "batch.growthsample", "batch.growthsamplecast"


def _edits(pairs: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The edits of one transaction as a reader counts them: a cast written with its own sample's change (an
    operator records a sample: the day's sample and its cast are saved together) is that one edit, so the
    sample's change is listed and not its cast's as well. A cast changed on its own stays."""
    samples = {event.pgh_obj_id for kind, event in pairs if kind == SAMPLE_KIND}
    return [(kind, event) for kind, event in pairs if not (kind == CAST_KIND and event.sample_id in samples)]


def _value_now(assignment_id: int, day: dt.date) -> dict | None:
    state = (
        ActualDailyAssignmentState.objects.filter(assignment_id=assignment_id, date=day)
        .values("avg_weight_g", "population", "biomass_kg", "anchor_type", "sources", "confidence_scores")
        .first()
    )
    if state is None:
        return None
    return {
        "avg_weight_g": state["avg_weight_g"],
        "population": state["population"],
        "biomass_kg": state["biomass_kg"],
        "anchor_type": state["anchor_type"],
        "sources": state["sources"],
        "confidence": state["confidence_scores"],
    }


def why(*, assignment_id: int, day: dt.date) -> dict:
    """The value of ``assignment_id`` on ``day`` now (None when no row), and the changes that moved it, newest
    first. ``history`` is False on SQLite (no history is recorded there: the list is empty)."""
    answer = {
        "assignment": assignment_id,
        "date": day,
        "value": _value_now(assignment_id, day),
        "history": history_recorded(),
        "changes": [],
    }
    if not answer["history"]:
        return answer
    moves = [
        (move.run, move.days[day.isoformat()])
        for move in StateMove.objects.filter(assignment_id=assignment_id, first_day__lte=day, last_day__gte=day)
        .select_related("run")
        .order_by("-run_id")
        if day.isoformat() in move.days
    ]
    if not moves:
        return answer
    causes_by_run: dict[int, list] = {}
    for cause in MarkCause.objects.filter(run_id__in=[run.pk for run, _ in moves]).order_by("-pk"):
        causes_by_run.setdefault(cause.run_id, []).append(cause)
    events = _events_of({c.xid for causes in causes_by_run.values() for c in causes})
    previous = _previous_for(events)
    for run, values in moves:
        answer["changes"].extend(
            _run_changes(run, values, day, assignment_id, causes_by_run.get(run.pk, []), events, previous)
        )
    return answer


def _previous_for(events: dict[int, list]) -> dict[tuple[str, int], object]:
    by_kind: dict[str, list] = {}
    for pairs in events.values():
        for kind, event in pairs:
            by_kind.setdefault(kind, []).append(event)
    out = {}
    for kind, kind_events in by_kind.items():
        for pgh_id, prev in _previous_versions(kind, kind_events).items():
            out[(kind, pgh_id)] = prev
    return out


def _run_changes(run, values, day, assignment_id, causes, events, previous) -> list[dict]:
    """The lines of one run that moved the day: one per edit behind it (its own assignment's marks first,
    else the batch's: a destination moved by its source's sample), or the run itself when no edit is known."""
    moved = _moved_words(values, day)
    base = {
        "run": run.pk,
        "run_at": run.started_at,
        "trigger": run.trigger,
        "old": {"avg_weight_g": values[0], "population": values[2], "biomass_kg": values[4]},
        "new": {"avg_weight_g": values[1], "population": values[3], "biomass_kg": values[5]},
    }
    if run.trigger in REPAIR_TRIGGERS:
        return [
            {
                **base,
                "at": run.started_at,
                "who": "the nightly verification",
                "channel": "system",
                "event": None,
                "text": f"{_clock(run.started_at)}, {REPAIR_WORDS} ({moved})",
            }
        ]
    own = [c for c in causes if c.assignment_id == assignment_id] or causes
    from_day = min((c.from_day for c in own), default=None)
    effect = f"{_what_moved(values)} from {day_words(from_day)} onward recomputed ({moved})"
    lines, seen = [], set()
    for cause in own:
        for kind, event in _edits(events.get(cause.xid, [])):
            if (kind, event.pgh_id) in seen:
                continue
            seen.add((kind, event.pgh_id))
            context = event.pgh_context
            words = summary(kind, event, previous.get((kind, event.pgh_id)))
            lines.append(
                {
                    **base,
                    "at": event.pgh_created_at,
                    "who": who(context),
                    "channel": through(context),
                    "event": {"kind": kind, "id": event.pgh_id, "record_id": event.pgh_obj_id},
                    "text": f"{_clock(event.pgh_created_at)}, {who(context)} {words}: {effect}",
                }
            )
    if not lines:  # marks with no edit of a record: the catch-up, a replay, a recompute asked for by hand
        context = own[0].context if own else None
        at = own[0].marked_at if own else run.started_at
        reason = (context or {}).get("task") or (context or {}).get("command") or run.trigger
        lines.append(
            {
                **base,
                "at": at,
                "who": who(context),
                "channel": through(context),
                "event": None,
                "text": f"{_clock(at)}, {who(context)} asked for a recompute ({reason}): {effect}",
            }
        )
    lines.sort(key=lambda line: line["at"], reverse=True)
    return lines[:EVENTS_PER_RUN]
