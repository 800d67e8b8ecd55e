"""Reading the history: a record's versions with what changed, the farm-wide feed, the authors of a list.

Every event model of ``apps/audit/models.py`` is found here by the model it tracks (``EVENTS``); a *kind* is
the tracked model's label (``batch.growthsample``). Entries are plain dicts, ready for the API, the pages and
the CSV export alike.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from apps.audit.context import history_recorded
from apps.audit.models import HistoryEvent

#: pghistory's own columns: not fields of the record
PGH_FIELDS = ("pgh_id", "pgh_created_at", "pgh_label", "pgh_xid", "pgh_context", "pgh_context_id", "pgh_obj")
VERBS = {"insert": "recorded", "update": "corrected", "delete": "deleted"}
#: each kind's way to its site (for the feed's site filter); kinds without one are farm-wide configuration
SITE_PATHS = {
    "infrastructure.site": "pgh_obj_id",
    "infrastructure.container": "site_id",
    "batch.batchcontainerassignment": "container__site_id",
    "batch.growthsample": "assignment__container__site_id",
    "batch.growthsamplecast": "sample__assignment__container__site_id",
    "batch.mortalityevent": "assignment__container__site_id",
    "batch.transferaction": "source_assignment__container__site_id",
    "health.treatment": "assignment__container__site_id",
    "inventory.feedingevent": "assignment__container__site_id",
    "environmental.environmentalreading": "container__site_id",
    "planning.plannedactivity": "assignment__container__site_id",
}
#: the day a record of each kind is about (its words say "the growth sample of 10 Mar")
DAY_FIELDS = {
    "batch.growthsample": "sample_date",
    "batch.mortalityevent": "event_date",
    "batch.transferaction": "actual_execution_date",
    "health.treatment": "treatment_date",
    "inventory.feedingevent": "feeding_date",
    "environmental.environmentalreading": "reading_time",
    "planning.plannedactivity": "due_date",
    "batch.batchcontainerassignment": "assignment_date",
}


def _event_models() -> dict[str, type[HistoryEvent]]:
    found = {}
    for model in apps.get_app_config("audit").get_models():
        if issubclass(model, HistoryEvent):
            found[model.pgh_tracked_model._meta.label_lower] = model
    return dict(sorted(found.items()))


EVENTS: dict[str, type[HistoryEvent]] = _event_models()


def kind_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def kind_name(kind: str) -> str:
    return str(EVENTS[kind].pgh_tracked_model._meta.verbose_name)


def record_fields(kind: str) -> list[models.Field]:
    """The record's own fields as the event model stores them (its id first)."""
    return [f for f in EVENTS[kind]._meta.concrete_fields if f.name not in PGH_FIELDS]


def _value(event, f: models.Field):
    return getattr(event, f.attname)


def who(context: dict | None) -> str:
    """The author in words: a user's name, "the system" (a task), or "outside AquaMind" (no context)."""
    if not context:
        return "outside AquaMind"
    if context.get("username"):
        return str(context["username"])
    channel = context.get("channel")
    if channel == "system" or (channel == "import" and context.get("task")):  # an import run by a worker
        return "the system"
    if channel == "command" or (channel == "import" and context.get("command")):  # manage.py import_farm
        return f"the command {context.get('command', '')}".strip()
    return "an anonymous request"


def through(context: dict | None) -> str:
    """The channel: api, page, admin, completion, command, system, import; "database" for a write outside
    every context (raw SQL, a script without the wrapper)."""
    return str((context or {}).get("channel") or "database")


def changes(previous, current, kind: str) -> list[tuple[str, object, object]]:
    """(field, old, new) for every field whose value differs between two versions (None: no previous)."""
    out = []
    for f in record_fields(kind):
        new = _value(current, f)
        old = _value(previous, f) if previous is not None else None
        if previous is None or old != new:
            out.append((f.name, old, new))
    return out


def plain(value):
    """A value as JSON and CSV carry it exactly: decimals as their text ("250.00"), days and times as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _entry(kind: str, event, previous) -> dict:
    context = event.pgh_context
    if event.pgh_label == "delete":
        changed = [(f.name, _value(event, f), None) for f in record_fields(kind)]  # the last values it had
    elif event.pgh_label == "insert":
        changed = [(f.name, None, _value(event, f)) for f in record_fields(kind)]
    else:
        changed = changes(previous, event, kind)
    return {
        "kind": kind,
        "kind_name": kind_name(kind),
        "record_id": event.pgh_obj_id,
        "event_id": event.pgh_id,
        "at": event.pgh_created_at,
        "action": event.pgh_label,
        "user": (context or {}).get("user"),
        "username": (context or {}).get("username") or "",
        "who": who(context),
        "channel": through(context),
        "where": (context or {}).get("path") or (context or {}).get("command") or (context or {}).get("task") or "",
        "changes": [{"field": name, "old": plain(old), "new": plain(new)} for name, old, new in changed],
        "summary": summary(kind, event, previous),
    }


def _previous_versions(kind: str, events: list) -> dict[int, object]:
    """The version before each event of the same record, by event id: one query per kind."""
    if not events:
        return {}
    model = EVENTS[kind]
    objs = {e.pgh_obj_id for e in events}
    newest = max(e.pgh_id for e in events)
    by_obj: dict[int, list] = {}
    for row in model.objects.filter(pgh_obj_id__in=objs, pgh_id__lt=newest).order_by("pgh_id"):
        by_obj.setdefault(row.pgh_obj_id, []).append(row)
    out = {}
    for e in events:
        earlier = [row for row in by_obj.get(e.pgh_obj_id, []) if row.pgh_id < e.pgh_id]
        out[e.pgh_id] = earlier[-1] if earlier else None
    return out


def record_visible(kind: str, pk: int, sites: frozenset[int] | None) -> bool:
    """Whether a reader holding ``sites`` (None: every site) may read the history of record ``pk`` of ``kind``:
    one of its versions was at one of their sites (a deleted record's too); configuration: every site needed."""
    if sites is None:
        return True
    if kind not in SITE_PATHS:
        return False
    return EVENTS[kind].objects.filter(pgh_obj_id=pk, **{f"{SITE_PATHS[kind]}__in": sorted(sites)}).exists()


def record_history(kind: str, pk: int) -> list[dict]:
    """Every version of one record, newest first, each with what changed (two queries)."""
    if not history_recorded() or kind not in EVENTS:
        return []
    events = list(EVENTS[kind].objects.filter(pgh_obj_id=pk).order_by("pgh_id"))
    entries, previous = [], None
    for event in events:
        entries.append(_entry(kind, event, previous))
        previous = event
    return entries[::-1]


@dataclass(frozen=True)
class Cursor:
    """Where a page of the feed ended: its last change's time (microseconds since 1970, UTC), kind and history
    row. Changes are ordered newest first, then by kind, then newest row first, so the changes of one
    transaction (one time: PostgreSQL's ``now()``), however many, are paged through without a gap."""

    at: int
    kind: str
    event_id: int

    def text(self) -> str:
        return f"{self.at}.{self.kind}.{self.event_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """None for anything but ``<digits>.<app>.<model>.<digits>`` within the representable times."""
        parts = text.split(".")
        if len(parts) != 4 or not all(p.isascii() for p in parts) or not (parts[0].isdigit() and parts[3].isdigit()):
            return None
        at, event_id = int(parts[0]), int(parts[3])
        if at > LAST_STAMP or event_id >= 2**63:
            return None
        return cls(at, f"{parts[1]}.{parts[2]}", event_id)

    def condition(self, kind: str) -> Q:
        """The changes of ``kind`` after this cursor in the feed's order."""
        at = _from_stamp(self.at)
        if kind < self.kind:
            return Q(pgh_created_at__lt=at)
        if kind > self.kind:
            return Q(pgh_created_at__lte=at)
        return Q(pgh_created_at__lt=at) | Q(pgh_created_at=at, pgh_id__lt=self.event_id)


#: 9999-12-31 23:59:59 UTC in microseconds since 1970: the last time a cursor can name
LAST_STAMP = 253_402_300_799_000_000


@dataclass
class FeedFilter:
    """The feed's filters: a user (id), a site (id), kinds (labels), a day range (the farm's days), and where
    the previous page ended."""

    user: int | None = None
    site: int | None = None
    kinds: list[str] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    after: Cursor | None = None
    #: the reader's sites (docs/access.md): None for a reader who holds every site; otherwise only the kinds with
    #: a site, of those sites (farm-wide configuration's history is for readers of every site)
    sites: frozenset[int] | None = None

    def apply(self, kind: str, queryset):
        if self.sites is not None:
            queryset = queryset.filter(**{f"{SITE_PATHS[kind]}__in": sorted(self.sites)})
        if self.user is not None:
            queryset = queryset.filter(pgh_context__user=self.user)
        if self.site is not None:
            queryset = queryset.filter(**{SITE_PATHS[kind]: self.site})
        if self.since is not None:
            queryset = queryset.filter(pgh_created_at__gte=_day_start(self.since))
        if self.until is not None:
            queryset = queryset.filter(pgh_created_at__lt=_day_start(self.until + dt.timedelta(days=1)))
        if self.after is not None:
            queryset = queryset.filter(self.after.condition(kind))
        return queryset

    def kinds_searched(self) -> list[str]:
        kinds = [k for k in (self.kinds or EVENTS) if k in EVENTS]
        placed = self.site is not None or self.sites is not None
        return [k for k in kinds if k in SITE_PATHS] if placed else kinds


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def stamp(at: dt.datetime) -> int:
    """Microseconds since 1970 (UTC), exactly: from the parts, not through a float."""
    delta = at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_stamp(value: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=value)


def cursor_of(entry: dict) -> Cursor:
    return Cursor(stamp(entry["at"]), entry["kind"], entry["event_id"])


def _order_key(kind: str, event) -> tuple:
    return (-stamp(event.pgh_created_at), kind, -event.pgh_id)


def feed(filters: FeedFilter, *, limit: int = 50) -> list[dict]:
    """The next ``limit`` changes of the farm matching ``filters``, newest first, each with what changed.

    One query per kind searched (each takes its first ``limit``), then the previous versions of the ones
    kept (one query per kind among them)."""
    if not history_recorded():
        return []
    newest = []
    for kind in filters.kinds_searched():
        rows = filters.apply(kind, EVENTS[kind].objects.all()).order_by("-pgh_created_at", "-pgh_id")[:limit]
        newest.append([(_order_key(kind, e), kind, e) for e in rows])
    kept = list(heapq.merge(*newest))[:limit]
    by_kind: dict[str, list] = {}
    for _, kind, event in kept:
        by_kind.setdefault(kind, []).append(event)
    previous = {kind: _previous_versions(kind, events) for kind, events in by_kind.items()}
    return [_entry(kind, event, previous[kind][event.pgh_id]) for _, kind, event in kept]


def feed_all(filters: FeedFilter, *, chunk: int = 500) -> Iterable[dict]:
    """Every change matching ``filters``, newest first, read ``chunk`` at a time (the CSV export)."""
    filters = FeedFilter(**{**filters.__dict__})
    while True:
        page = feed(filters, limit=chunk)
        yield from page
        if len(page) < chunk:
            return
        filters.after = cursor_of(page[-1])


# -- the authors of a list: one subquery per column, no query per row -------------------------------------------


def with_authors(queryset):
    """``queryset`` annotated with ``entered_by`` (the username of its insert) and ``last_changed_by`` and
    ``last_changed_at`` (its newest version's): subqueries of the same SELECT, so a list costs no extra
    query. On SQLite (no history) the three are NULL."""
    kind = kind_of(queryset.model)
    if not history_recorded() or kind not in EVENTS:
        return queryset.annotate(
            entered_by=Value(None, output_field=models.TextField()),
            last_changed_by=Value(None, output_field=models.TextField()),
            last_changed_at=Value(None, output_field=models.DateTimeField()),
        )
    events = EVENTS[kind].objects.filter(pgh_obj_id=OuterRef("pk"))
    newest = events.exclude(pgh_label="delete").order_by("-pgh_id")
    return queryset.annotate(
        entered_by=Subquery(
            events.filter(pgh_label="insert").order_by("pgh_id").annotate(name=_author()).values("name")[:1]
        ),
        last_changed_by=Subquery(newest.annotate(name=_author()).values("name")[:1]),
        last_changed_at=Subquery(newest.values("pgh_created_at")[:1]),
    )


def _author():
    """The author's name as a list shows it: the username, else the channel ("system", "command"), else
    "database" (no context)."""
    from django.db.models.functions import Coalesce, NullIf

    return Coalesce(
        NullIf(KeyTextTransform("username", "pgh_context"), Value("")),
        KeyTextTransform("channel", "pgh_context"),
        Value("database"),
        output_field=models.TextField(),
    )


def authors_of(instance) -> dict:
    """``entered_by``, ``last_changed_by``, ``last_changed_at`` of one record (a create's or update's answer,
    not annotated): one query."""
    annotated = with_authors(type(instance).objects.filter(pk=instance.pk)).values(
        "entered_by", "last_changed_by", "last_changed_at"
    )
    return annotated.first() or {"entered_by": None, "last_changed_by": None, "last_changed_at": None}


# -- words -----------------------------------------------------------------------------------------------------


def number(value, unit: str = "") -> str:
    """2150.00 -> "2,150", 2150.5 -> "2,150.5", with a unit after a space; a minus is U+2212."""
    if value is None:
        return "none"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if not isinstance(value, int) else f"{value:,}"
    text = text.replace("-", "\u2212")
    return f"{text} {unit}".strip()


def day_words(day) -> str:
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    return f"{day.day} {day:%b}" if day else ""


#: the measured values a change is told by ("from 2,150 g to 2,050 g"); any other field by its name
UNITS = {
    "avg_weight_g": "g",
    "biomass_kg": "kg",
    "amount_kg": "kg",
    "count": "fish",
    "weighed_avg_weight_g": "g",
    "measured_avg_weight_g": "g",
    "placement_avg_weight_g": "g",
    "transferred_count": "fish",
    "placement_count": "fish",
    "weighed_count": "fish",
}


def summary(kind: str, event, previous) -> str:
    """ "corrected the growth sample of 10 Mar from 2,150 g to 2,050 g" (no time, no author)."""
    verb = VERBS.get(event.pgh_label, event.pgh_label)
    day_field = DAY_FIELDS.get(kind)
    subject = f"the {kind_name(kind)}"
    if day_field and getattr(event, day_field, None):
        subject += f" of {day_words(getattr(event, day_field))}"
    else:
        subject += f" {event.pgh_obj_id}"
    if event.pgh_label != "update" or previous is None:
        return f"{verb} {subject}"
    changed = [(name, old, new) for name, old, new in changes(previous, event, kind) if name != "id"]
    if len(changed) == 1:
        name, old, new = changed[0]
        unit = UNITS.get(name, "")
        if unit and old is not None and new is not None:  # the measured value itself: "from 2,150 g to 2,050 g"
            return f"{verb} {subject} from {number(old, unit)} to {number(new, unit)}"
        return f"{verb} {subject}: {name.replace('_', ' ')} from {old} to {new}"
    names = ", ".join(name.replace("_", " ") for name, _, _ in changed)
    return f"{verb} {subject} ({names})"
