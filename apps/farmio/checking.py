"""The dry run: every row of every table parsed, resolved and checked against the same rules as the API, and
matched against what is stored, before anything is written (docs/import-export.md, "The dry run").

A cell is parsed by its model field (``to_python``, choices and validators: the domain bounds of
``aquamind.domain`` and their messages), names are resolved to records (stored ones, or ones an earlier row or
file of the same import makes), rules that span rows are checked in memory with the messages of the recording
services (one batch per container at a time, an event within its assignment's days, no more deaths or fish
moved than the assignment holds, at most 100 t of feed a day, a planned activity's place). Each failure is a
``Problem``: file, row, column, value, reason.

Every record the import touches is a ``Ref``: a stored one (``pk`` set) or one to make; foreign keys hold the
referred ``Ref`` until the write puts ids in their place, so a folder's files may refer to each other's rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.batch.models import GrowthSampleCast
from apps.batch.sampling import casts_aggregate
from apps.batch.selectors import FishAvailable
from apps.batch.services.casts import cast_weights_settle
from apps.batch.services.validation import event_date_validate
from apps.environmental.validation import environmental_parameter_validate, reading_in_range_validate
from apps.farmio import kinds as K
from apps.farmio.models import ExternalId
from apps.farmio.reading import Problem, Table
from apps.planning.validation import planned_activity_validate
from aquamind.domain import MAX_FEED_KG_PER_DAY

MAX_PROBLEMS = 1000  # reported in full; beyond that only counted
MEMO_LIMIT = 200_000  # parsed cells remembered per column (dates and counts repeat a lot)
TRUE, FALSE = {"true", "yes", "1", "t", "y"}, {"false", "no", "0", "f", "n", ""}


class RowError(Exception):
    def __init__(self, column: str, value, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, "" if value is None else str(value), reason


class Ref:
    """A record the import reads or writes. ``status``: stored (untouched), unchanged, update or create."""

    __slots__ = ("kind", "pk", "values", "original", "where", "status", "pinned")

    def __init__(self, kind: str, pk, values: dict, *, where=None, status="stored"):
        self.kind, self.pk, self.values, self.where, self.status = kind, pk, values, where, status
        self.original: dict | None = None
        self.pinned: bool | None = None

    def __repr__(self) -> str:
        return f"<{self.kind} {self.pk or 'new'}>"


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _fk_value(value):
    return value.pk if isinstance(value, Ref) else value


class Check:
    """One import's dry run (and, through ``apps.farmio.writing``, its write)."""

    def __init__(self, tables: list[Table], *, progress: Callable[[int], None] | None = None):
        self.tables = sorted(tables, key=lambda t: K.ORDER[t.kind])
        self.kinds = {t.kind for t in self.tables}
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.progress = progress or (lambda n: None)
        self.by_pk: dict[str, dict] = defaultdict(dict)
        self.keys: dict[str, dict] = defaultdict(dict)
        self.identical: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        self.external: dict[str, dict] = defaultdict(dict)
        self.external_new: list[tuple[str, str, Ref]] = []
        self.seen_external: dict[str, dict] = defaultdict(dict)
        self.seen_lines: dict[str, dict] = defaultdict(dict)
        self.touched: dict[str, list[Ref]] = defaultdict(list)  # rows of the files, by kind
        self.pins: dict[Ref, Ref | None] = {}
        self.stored_pins: dict[int, int] = {}
        self._by_container: dict | None = None
        self.day_casts: dict[Ref, list[Ref]] = defaultdict(list)  # a sampling day's casts (stored, virtual, new)
        self.day_lengths: dict[Ref, list[tuple]] = defaultdict(list)  # (length, where) the cast rows give
        self.touched_days: dict[Ref, None] = {}
        self._memo: dict[tuple, dict] = defaultdict(dict)
        self.rows_read = 0
        self.where: tuple[str, int] = ("", 0)  # the row being checked

    # --- reporting -----------------------------------------------------------------------------------------

    def report(self, source: str, row: int, column: str, value, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            text = "" if value is None else str(value)
            self.problems.append(Problem(source, row, column, text[:200], reason))

    # --- loading what is stored ----------------------------------------------------------------------------

    def needed_kinds(self) -> list[str]:
        """The kinds to load: those imported, those they refer to, and the fish-count records of assignments."""
        need = set(self.kinds)
        if need & {"assignments", "transfers", "mortality"}:
            need |= {"assignments", "transfers", "mortality"}
        if "planned_activities" in need or "scenarios" in need:
            need.add("batches")
        changed = True
        while changed:
            before = len(need)
            for name in list(need):
                need |= set(K.BY_NAME[name].refs.values())
            changed = len(need) != before
        return sorted(need, key=K.ORDER.get)

    def load(self) -> None:
        for name in self.needed_kinds():
            kind = K.BY_NAME[name]
            rows = kind.model.objects.order_by("pk").values_list("pk", *kind.fields)
            by_pk = self.by_pk[name]
            for pk, *values in rows.iterator(chunk_size=5000):
                data = dict(zip(kind.fields, values))
                for attname, target in kind.refs.items():
                    if data[attname] is not None:
                        data[attname] = self.by_pk[target].get(data[attname])
                ref = Ref(name, pk, data)
                by_pk[pk] = ref
                self._index(kind, ref)
            self.external[name] = dict(ExternalId.objects.filter(kind=name).values_list("external_id", "object_id"))
        if "growth_samples" in self.by_pk:
            self._virtual_casts()
        if "scenarios" in self.by_pk or "batches" in self.kinds:
            from apps.batch.models import Batch

            self.stored_pins = dict(Batch.objects.exclude(pinned_scenario=None).values_list("pk", "pinned_scenario_id"))

    def _virtual_casts(self) -> None:
        """Each stored day sample's casts; a sample stored without casts (recorded before casts existed, or
        by the demo farm) counts as its own one cast, as the recording services treat it, written only if
        the import changes its day (docs/import-export.md, "Growth samples as casts")."""
        for cast in self.by_pk["growth_samples"].values():
            self.day_casts[cast.values["sample_id"]].append(cast)
        for day in self.by_pk["growth_days"].values():
            if day not in self.day_casts:
                v = day.values
                virtual = Ref(
                    "growth_samples",
                    None,
                    {
                        "sample_id": day,
                        "fish_weighed": v["sample_size"],
                        "avg_weight_g": v["avg_weight_g"],
                        "std_dev_weight_g": v["std_dev_weight_g"],
                        "weights_g": None,
                        "notes": v["notes"],
                    },
                    status="virtual",
                )
                self.day_casts[day].append(virtual)
                self._index(K.BY_NAME["growth_samples"], virtual)

    def day_sample(self, assignment: Ref, day: dt.date) -> Ref:
        """The sampling day's sample of ``assignment`` on ``day``: stored, or made by this import."""
        key = (assignment, day)
        ref = self.keys["growth_days"].get(key)
        if ref is None:
            values = dict.fromkeys(K.BY_NAME["growth_days"].fields)
            values.update(assignment_id=assignment, sample_date=day, notes="")
            ref = self.keys["growth_days"][key] = Ref("growth_days", None, values, status="create")
        return ref

    def _index(self, kind: K.Kind, ref: Ref) -> None:
        if kind.key:
            self.keys[kind.name][tuple(ref.values[f] for f in kind.key)] = ref
        else:
            self.identical[kind.name][_identity(kind, ref.values)].append(ref)

    # --- cells ---------------------------------------------------------------------------------------------

    def cell(self, kind: K.Kind, column: K.Column, text: str):
        """The value of a model-field cell, parsed and validated by the field (memoised per column)."""
        memo = self._memo[(kind.name, column.name)]
        hit = memo.get(text)
        if hit is not None:
            value, error = hit
            if error:
                raise RowError(column.name, text, error)
            return value
        try:
            value, error = self._parse(kind, column, text), None
        except ValidationError as exc:
            value, error = None, _message(exc)
        except (ValueError, ArithmeticError, TypeError) as exc:
            value, error = None, str(exc)
        if len(memo) < MEMO_LIMIT:
            memo[text] = (value, error)
        if error:
            raise RowError(column.name, text, error)
        return value

    def _parse(self, kind: K.Kind, column: K.Column, text: str):
        field = (column.model or kind.model)._meta.get_field(column.field)
        text = text.strip()
        if text == "":
            if column.required:
                raise ValidationError("This column is required.")
            if field.has_default():
                return field.get_default()
            if field.null:
                return None
            return ""
        if isinstance(field, models.BooleanField):
            lowered = text.lower()
            if lowered not in TRUE | FALSE:
                raise ValidationError(f"“{text}” is not true or false.")
            value = lowered in TRUE
        elif isinstance(field, models.DateTimeField):
            value = field.to_python(text)
            if value is not None and timezone.is_naive(value):
                value = timezone.make_aware(value)
        elif isinstance(field, models.DateField):
            if len(text) != 10:
                raise ValidationError(f"“{text}” is not a date as YYYY-MM-DD.")
            value = field.to_python(text)
        elif isinstance(field, models.FloatField):
            value = field.to_python(text)
        else:
            value = field.to_python(text)
        field.validate(value, None)
        field.run_validators(value)
        return value

    # --- the rows ------------------------------------------------------------------------------------------

    def run(self) -> None:
        self.load()
        for table in self.tables:
            self.table_check(table)
        if self.problem_count == 0:
            self.cross_checks()

    def table_check(self, table: Table) -> None:
        kind = K.BY_NAME[table.kind]
        if not self._header_check(kind, table):
            return
        columns = [(i, kind.column(name) if name != K.EXTERNAL_ID else None) for i, name in enumerate(table.header)]
        width = len(table.header)
        resolve = RESOLVERS.get(kind.name, _no_references)
        check = ROW_CHECKS.get(kind.name)
        counted = 0
        for number, cells in table.rows:
            counted += 1
            if counted % 2000 == 0:
                self.progress(2000)
            if len(cells) != width:
                self.report(
                    table.source,
                    number,
                    "",
                    ",".join(cells)[:200],
                    f"the row has {len(cells)} cells and the header {width}: a half-written line?",
                )
                continue
            self.row_check(kind, table.source, number, cells, columns, resolve, check)
        self.progress(counted % 2000)
        self.rows_read += counted

    def _header_check(self, kind: K.Kind, table: Table) -> bool:
        known = set(kind.header)
        ok = True
        seen = set()
        for index, name in enumerate(table.header):
            if name not in known:
                self.report(
                    table.source,
                    1,
                    name or f"column {index + 1}",
                    name,
                    f"unknown column; the columns of {kind.name} are {', '.join(kind.header)}",
                )
                ok = False
            elif name in seen:
                self.report(table.source, 1, name, name, "the column appears twice")
                ok = False
            seen.add(name)
        for column in kind.columns:
            if column.required and column.name not in seen:
                self.report(table.source, 1, column.name, "", "a required column is missing from the header")
                ok = False
        return ok

    def row_check(self, kind, source, number, cells, columns, resolve, check) -> None:
        self.where = (source, number)
        values: dict = {}
        texts: dict[str, str] = {}
        external = ""
        failed = False
        for index, column in columns:
            text = cells[index]
            if column is None:
                external = text.strip()
                continue
            texts[column.name] = text
            if column.field is None:
                continue
            try:
                values[_value_key(kind, column)] = self.cell(kind, column, text)
            except RowError as exc:
                self.report(source, number, exc.column, exc.value, exc.reason)
                failed = True
        for column in kind.columns:  # optional columns left out of the header take their default
            if column.field and column.name not in texts:
                values[_value_key(kind, column)] = self.cell(kind, column, "")
        if failed:
            return
        try:
            values.update(resolve(self, texts, values))
            if check is not None:
                check(self, values)
            self.accept(kind, values, external, (source, number), tuple(cells), texts)
        except RowError as exc:
            self.report(source, number, exc.column, exc.value, exc.reason)

    def accept(self, kind: K.Kind, values: dict, external: str, where, line: tuple, texts: dict) -> None:
        """Match the row to the record it names (external id, natural key, or an identical record) or make one."""
        name = kind.name
        pinned = values.pop("__pinned", None)
        earlier = self.seen_lines[name].get(line)
        if earlier is not None and not kind.repeats:
            raise RowError("", "", f"the same row as row {earlier}: a duplicate row")
        self.seen_lines[name][line] = where[1]
        target = None
        if external:
            if external in self.seen_external[name]:
                raise RowError(
                    K.EXTERNAL_ID, external, f"the same external id as row {self.seen_external[name][external]}"
                )
            self.seen_external[name][external] = where[1]
            pk = self.external[name].get(external)
            target = self.by_pk[name].get(pk) if pk is not None else None
        if kind.key:
            key = tuple(values[f] for f in kind.key)
            other = self.keys[name].get(key)
            if other is not None and other.where is not None:
                columns = ", ".join(_key_columns(kind))
                raise RowError(
                    _key_columns(kind)[-1],
                    texts.get(_key_columns(kind)[-1], ""),
                    f"the same {columns} as row {other.where[1]}: a duplicate row",
                )
            if target is None:
                target = other
            elif other is not None and other is not target:
                raise RowError(K.EXTERNAL_ID, external, "the external id names another record than the row's key does")
        elif target is None:
            candidates = self.identical[name].get(_identity(kind, values), [])
            while candidates and target is None:
                candidate = candidates.pop()
                target = candidate if candidate.where is None else None
        if target is not None and target.where is not None:
            raise RowError(K.EXTERNAL_ID, external, f"names the same record as row {target.where[1]}: a duplicate row")
        if target is None:
            ref = Ref(name, None, values, where=where, status="create")
            if kind.key:
                self.keys[name][tuple(values[f] for f in kind.key)] = ref
        else:
            ref = target
            ref.where = where
            if any(ref.values[f] is not values[f] and ref.values[f] != values[f] for f in kind.fields):
                if kind.key:
                    self.keys[name].pop(tuple(ref.values[f] for f in kind.key), None)
                    self.keys[name][tuple(values[f] for f in kind.key)] = ref
                ref.original, ref.values, ref.status = ref.values, values, "update"
            else:
                ref.status = "unchanged"
        ref.pinned = pinned
        if name == "growth_samples":
            self._cast_accepted(ref)
        if name == "assignments":
            self._by_container = None
        self.touched[name].append(ref)
        if external and (ref.pk is None or self.external[name].get(external) != ref.pk):
            self.external_new.append((name, external, ref))

    def _cast_accepted(self, cast: Ref) -> None:
        day = cast.values["sample_id"]
        if cast.status == "create":
            self.day_casts[day].append(cast)
        elif cast.status == "update":
            left = cast.original["sample_id"]
            if left is not day:
                self.day_casts[left].remove(cast)
                self.day_casts[day].append(cast)
                self.touched_days[left] = None
        if cast.status in ("create", "update"):
            self.touched_days[day] = None

    # --- names → records -----------------------------------------------------------------------------------

    def named(self, kind: str, key: tuple, column: str, text: str, what: str) -> Ref:
        ref = self.keys[kind].get(key)
        if ref is None:
            raise RowError(column, text, f"no {what} named “{text}”")
        return ref

    def stage(self, species: Ref, column: str, text: str) -> Ref:
        ref = self.keys["lifecycle_stages"].get((species, text.strip()))
        if ref is None:
            raise RowError(column, text, f"no stage named “{text}” of {species.values['name']}")
        return ref

    def container(self, texts: dict, site_column="site", container_column="container") -> Ref:
        site = self.named("sites", (texts[site_column].strip(),), site_column, texts[site_column], "site")
        name = texts[container_column].strip()
        return self.named("containers", (site, name), container_column, name, f"container at {site.values['name']}")

    def by_container(self) -> dict[Ref, list[Ref]]:
        if self._by_container is None:
            index = defaultdict(list)
            for ref in self.keys["assignments"].values():
                index[ref.values["container_id"]].append(ref)
            self._by_container = index
        return self._by_container

    def assignment_on(self, batch: Ref, container: Ref, day: dt.date, date_column: str) -> Ref:
        """The assignment holding ``batch`` in ``container`` on ``day`` (an event's assignment)."""
        own = None
        for ref in self.by_container().get(container, ()):
            v = ref.values
            covers = v["assignment_date"] <= day and (v["departure_date"] is None or day < v["departure_date"])
            if covers and v["batch_id"] is batch:
                return ref
            if covers:
                raise RowError(
                    "container",
                    container.values["name"],
                    f"the container holds batch {v['batch_id'].values['batch_number']} on {day}, not {batch.values['batch_number']}",
                )
            if v["batch_id"] is batch:
                own = ref
        if own is not None:
            try:
                event_date_validate(assignment=_Dates(own), day=day, field=date_column)
            except ValidationError as exc:
                raise RowError(date_column, day, _message(exc)) from None
        raise RowError(
            "container",
            container.values["name"],
            f"batch {batch.values['batch_number']} has no assignment in this container",
        )

    # --- rules across rows ---------------------------------------------------------------------------------

    def cross_checks(self) -> None:
        if self.touched_days or self.day_lengths:
            self._days_aggregate()
        if self.touched.get("assignments"):
            self._one_batch_per_container()
        if self.touched.get("assignments") or self.touched.get("transfers") or self.touched.get("mortality"):
            self._populations()
        if self.touched.get("feeding"):
            self._feed_per_day()
        if self.touched.get("environmental_parameters"):
            self._parameters()
        if self.touched.get("planned_activities"):
            self._planned_activities()

    def _days_aggregate(self) -> None:
        """Each sampling day the import touched becomes its casts' aggregate by the project's one rule
        (``apps.batch.sampling.casts_aggregate``: fish added, fish-weighted mean, pooled spread)."""
        for day in {**self.touched_days, **dict.fromkeys(self.day_lengths)}:  # in the files' order: the ids too
            casts = self.day_casts.get(day, [])
            if not casts:
                continue
            blame = next((c for c in reversed(casts) if c.where is not None), casts[-1])
            try:
                figures = casts_aggregate([SimpleNamespace(**c.values) for c in casts])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self._blame(blame, field, "", " ".join(errors))
                continue
            values = dict(day.values)
            values.update(
                sample_size=figures.sample_size,
                avg_weight_g=figures.avg_weight_g,
                std_dev_weight_g=figures.std_dev_weight_g,
            )
            lengths = {length for length, _ in self.day_lengths.get(day, []) if length is not None}
            if len(lengths) > 1:
                where = self.day_lengths[day][-1][1]
                self.report(
                    where[0],
                    where[1],
                    "avg_length_cm",
                    "",
                    f"the casts of {day.values['sample_date']} give different lengths: {', '.join(map(str, sorted(lengths)))}",
                )
                continue
            if lengths:
                values["avg_length_cm"] = lengths.pop()
            if day.status == "create":
                day.values = values
            elif any(values[f] != day.values[f] for f in values):
                day.original, day.values, day.status = day.values, values, "update"
            elif day.status == "stored":
                day.status = "unchanged"
            self.touched["growth_days"].append(day)
            if day.status in ("create", "update"):
                for cast in casts:
                    if cast.status in ("virtual", "unchanged") and cast.pk is None:  # its day changes: written now
                        if cast.status == "virtual":
                            self.touched["growth_samples"].append(cast)
                        cast.status = "create"

    def _blame(self, ref: Ref, column: str, value, reason: str) -> None:
        if ref.where is not None:
            self.report(ref.where[0], ref.where[1], column, value, reason)

    def _one_batch_per_container(self) -> None:
        """As ``assignment_validate``: a container holds one batch at a time."""
        for container, refs in self.by_container().items():
            if not any(r.where for r in refs):
                continue
            ordered = sorted(refs, key=lambda r: r.values["assignment_date"])
            for i, ref in enumerate(ordered):
                for other in ordered[i + 1 :]:
                    end = ref.values["departure_date"]
                    if end is not None and other.values["assignment_date"] >= end:
                        break
                    if other.values["batch_id"] is ref.values["batch_id"]:
                        continue
                    culprit, holder = (other, ref) if other.where is not None else (ref, other)
                    hv = holder.values
                    until = f" to {hv['departure_date']}" if hv["departure_date"] else ""
                    self._blame(
                        culprit,
                        "container",
                        container.values["name"],
                        f"This container holds batch {hv['batch_id'].values['batch_number']} from {hv['assignment_date']}"
                        f"{until}; a container holds one batch at a time.",
                    )

    def _populations(self) -> None:
        """As the recording services: no death or transfer out takes more fish than the assignment holds, counted
        from its placement and every completed transfer and recorded death (docs/engine.md §5)."""
        changes: dict[Ref, dict[dt.date, list]] = defaultdict(lambda: defaultdict(list))
        for ref in self.by_pk["transfers"].values():
            self._transfer_changes(ref, changes)
        for ref in self.touched["transfers"]:
            if ref.pk is None:
                self._transfer_changes(ref, changes)
        for ref in list(self.by_pk["mortality"].values()) + [r for r in self.touched["mortality"] if r.pk is None]:
            v = ref.values
            if v["assignment_id"] is not None:
                changes[v["assignment_id"]][v["event_date"]].append((-v["count"], ref, "count_fish"))
        for assignment, by_day in changes.items():
            if not (assignment.where or any(ref.where for day in by_day.values() for _, ref, _ in day)):
                continue
            held, series = assignment.values["placement_count"] or 0, []
            for day in sorted(by_day):
                held += sum(n for n, _, _ in by_day[day])
                series.append((day, held))
                if held < 0:
                    self._population_refused(assignment, by_day, series, day)
                    break

    def _transfer_changes(self, ref: Ref, changes) -> None:
        v = ref.values
        if v["status"] != "COMPLETED" or v["actual_execution_date"] is None:
            return
        day = v["actual_execution_date"]
        if v["dest_assignment_id"] is not None:
            changes[v["dest_assignment_id"]][day].append((v["transferred_count"], ref, "transferred_count_fish"))
        if v["source_assignment_id"] is not None:
            moved = v["transferred_count"] + (v["mortality_during_transfer"] or 0)
            changes[v["source_assignment_id"]][day].append((-moved, ref, "transferred_count_fish"))

    def _population_refused(self, assignment: Ref, by_day, series: list, short_day: dt.date) -> None:
        """Blame the latest death from the files on or before the day the fish run short (as if it were recorded
        last, the recording service would refuse it with this message), else the day's transfers out."""
        deaths = [
            (day, n, ref)
            for day in sorted(by_day)
            if day <= short_day
            for n, ref, _ in by_day[day]
            if ref.kind == "mortality" and ref.where is not None
        ]
        if deaths:
            day, n, ref = deaths[-1]
            without = [held - n for d, held in series if d >= day]  # n is negative: the fish it took come back
            available = FishAvailable(on_day=without[0], for_later=min(without))
            self._blame(ref, "count_fish", -n, f"{-n} deaths, but {available.refusal(day)}")
            return
        before = next(
            (held for d, held in reversed(series) if d < short_day), assignment.values["placement_count"] or 0
        )
        before += sum(n for n, _, _ in by_day[short_day] if n > 0)
        losses = [(n, ref) for n, ref, _ in by_day[short_day] if n < 0 and ref.where is not None]
        if not losses:
            self._blame(
                assignment,
                "placement_count_fish",
                assignment.values["placement_count"],
                f"the deaths and transfers out recorded on {short_day} take more fish than the assignment holds",
            )
        for n, ref in losses:
            self._blame(
                ref,
                "transferred_count_fish",
                -n,
                f"The transfer moves {-n} fish (alive and dead in handling), but the assignment holds "
                f"{max(before, 0)} fish on {short_day}.",
            )

    def _feed_per_day(self) -> None:
        """As ``feeding_event_validate``: one assignment's feed of a day is at most 100 t in all."""
        days: dict[tuple, Decimal] = defaultdict(Decimal)
        for ref in list(self.by_pk["feeding"].values()) + [r for r in self.touched["feeding"] if r.pk is None]:
            days[(ref.values["assignment_id"], ref.values["feeding_date"])] += ref.values["amount_kg"]
        for ref in self.touched["feeding"]:
            total = days[(ref.values["assignment_id"], ref.values["feeding_date"])]
            if total > MAX_FEED_KG_PER_DAY:
                self._blame(
                    ref,
                    "amount_kg",
                    ref.values["amount_kg"],
                    f"The assignment's feed on {ref.values['feeding_date']} would be {total} kg; "
                    f"a day's feed is at most {MAX_FEED_KG_PER_DAY:,} kg.",
                )

    def _parameters(self) -> None:
        from apps.environmental.models import EnvironmentalParameter

        for ref in self.touched["environmental_parameters"]:
            try:
                environmental_parameter_validate(EnvironmentalParameter(pk=ref.pk, **ref.values))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self._blame(ref, field, ref.values.get(field), " ".join(errors))

    def _planned_activities(self) -> None:
        from apps.planning.models import PlannedActivity

        for ref in self.touched["planned_activities"]:
            v = ref.values
            activity = SimpleNamespace(  # the fields the planning rules read; batch and places by identity
                activity_type=v["activity_type"],
                status=PlannedActivity.Status.PLANNED,
                completed_date=None,
                batch_id=id(v["batch_id"]),
                assignment=_Assignment(v["assignment_id"]) if v["assignment_id"] else None,
                container=_Container(v["container_id"]) if v["container_id"] else None,
            )
            try:
                planned_activity_validate(activity, stored=None)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    column = {"assignment": "assignment_container", "container": "container"}.get(field, field)
                    self._blame(ref, column, "", " ".join(errors))


class _Dates:
    """An assignment's days, as ``event_date_validate`` reads them."""

    def __init__(self, ref: Ref):
        self.assignment_date = ref.values["assignment_date"]
        self.departure_date = ref.values["departure_date"]


class _Assignment:
    """A planned activity's assignment as the planning rules read it (batch and container by identity)."""

    def __init__(self, ref: Ref):
        self.pk = id(ref)
        self.batch_id = id(ref.values["batch_id"])
        self.container_id = id(ref.values["container_id"])


class _Container:
    def __init__(self, ref: Ref):
        self.pk = id(ref)


def _identity(kind: K.Kind, values: dict) -> tuple:
    """An event's values as a dictionary key (a cast's list of weights as a tuple)."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in (values[f] for f in kind.fields))


def _value_key(kind: K.Kind, column: K.Column) -> str:
    """Where a cell's value goes: its field's attname, or ``__<field>`` for another model's field."""
    if column.model is not None:
        return f"__{column.field}"
    return kind.model._meta.get_field(column.field).attname


REF_COLUMNS = {"lifecycle_stage_id": "stage", "batch_id": "batch_number"}  # a reference's column, where not its name


def _key_columns(kind: K.Kind) -> list[str]:
    """The columns of a kind's natural key, as a duplicate's report names them."""
    names = []
    for attname in kind.key:
        column = next((c for c in kind.columns if c.field and _value_key(kind, c) == attname), None)
        names.append(column.name if column else REF_COLUMNS.get(attname, attname.removesuffix("_id")))
    return names


# --- resolvers: each kind's names → records, and its rules within a row -------------------------------------------


def _no_references(check: Check, texts: dict, values: dict) -> dict:
    return {}


def _optional(texts: dict, column: str) -> str:
    return (texts.get(column) or "").strip()


def _batch(check: Check, texts: dict, column="batch_number") -> Ref:
    text = texts[column].strip()
    return check.named("batches", (text,), column, text, "batch")


def _species(check: Check, texts: dict, column="species") -> Ref:
    text = texts[column].strip()
    return check.named("species", (text,), column, text, "species")


def _model_stage(model_kind: str, what: str):
    def resolve(check: Check, texts: dict, values: dict) -> dict:
        model = check.named(model_kind, (texts["model"].strip(),), "model", texts["model"], what)
        return {"model_id": model, "lifecycle_stage_id": check.stage(_species(check, texts), "stage", texts["stage"])}

    return resolve


def _scenario(check: Check, texts: dict, values: dict) -> dict:
    batch = _optional(texts, "batch_number")
    fcr = _optional(texts, "fcr_model")
    pinned = _optional(texts, "pinned").lower()
    if pinned not in TRUE | FALSE:
        raise RowError("pinned", pinned, f"“{pinned}” is not true or false.")
    found = {
        "batch_id": check.named("batches", (batch,), "batch_number", batch, "batch") if batch else None,
        "tgc_model_id": check.named(
            "tgc_models", (texts["tgc_model"].strip(),), "tgc_model", texts["tgc_model"], "TGC model"
        ),
        "mortality_model_id": check.named(
            "mortality_models",
            (texts["mortality_model"].strip(),),
            "mortality_model",
            texts["mortality_model"],
            "mortality model",
        ),
        "fcr_model_id": check.named("fcr_models", (fcr,), "fcr_model", fcr, "FCR model") if fcr else None,
    }
    if "pinned" in texts:
        if pinned in TRUE and not batch:
            raise RowError("pinned", pinned, "only a batch's scenario can be pinned")
        found["__pinned"] = pinned in TRUE
    return found


def _assignment(check: Check, texts: dict, values: dict) -> dict:
    batch = _batch(check, texts)
    return {
        "batch_id": batch,
        "container_id": check.container(texts),
        "lifecycle_stage_id": check.stage(batch.values["species_id"], "stage", texts["stage"]),
    }


def _assignment_named(check: Check, batch: Ref, texts: dict, prefix: str, date_column: str) -> Ref:
    container = check.container(texts, f"{prefix}site", f"{prefix}container")
    text = texts[date_column].strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise RowError(date_column, text, f"“{text}” is not a date as YYYY-MM-DD.") from None
    ref = check.keys["assignments"].get((batch, container, day))
    if ref is None:
        raise RowError(
            date_column,
            text,
            f"batch {batch.values['batch_number']} has no assignment in {container.values['name']} from {day}",
        )
    return ref


def _transfer(check: Check, texts: dict, values: dict) -> dict:
    batch = _batch(check, texts)
    return {
        "source_assignment_id": _assignment_named(check, batch, texts, "source_", "source_assignment_date"),
        "dest_assignment_id": _assignment_named(check, batch, texts, "dest_", "dest_assignment_date"),
    }


def _event(date_attname: str):
    def resolve(check: Check, texts: dict, values: dict) -> dict:
        batch = _batch(check, texts)
        container = check.container(texts)
        return {"assignment_id": check.assignment_on(batch, container, values[date_attname], date_attname)}

    return resolve


CAST_COLUMNS = {"fish_weighed": "fish_weighed", "avg_weight_g": "avg_weight_g", "std_dev_weight_g": "std_dev_weight_g"}


def _cast(check: Check, texts: dict, values: dict) -> dict:
    """A cast row: its day's sample (the assignment holding the batch there that day), and its figures from
    its individual weights when given (``cast_weights_settle``: they must agree with the figures sent)."""
    day = values.pop("__sample_date")
    length = values.pop("__avg_length_cm", None)
    assignment = check.assignment_on(_batch(check, texts), check.container(texts), day, "sample_date")
    weights = _optional(texts, "weights_g")
    found: dict = {"weights_g": None}
    if weights:
        cast = GrowthSampleCast(
            fish_weighed=values["fish_weighed"],
            avg_weight_g=values["avg_weight_g"],
            std_dev_weight_g=values["std_dev_weight_g"],
            weights_g=[w.strip() for w in weights.split(";")],
        )
        cast._sent_figures = [f for f in CAST_COLUMNS if values.get(f) is not None]
        try:
            cast_weights_settle(cast)
        except ValidationError as exc:
            field, errors = next(iter(exc.message_dict.items()))
            raise RowError(
                field, weights[:100] if field == "weights_g" else values.get(field), " ".join(errors)
            ) from None
        found.update(
            fish_weighed=cast.fish_weighed,
            avg_weight_g=cast.avg_weight_g,
            std_dev_weight_g=cast.std_dev_weight_g,
            weights_g=cast.weights_g,
        )
    day_ref = check.day_sample(assignment, day)
    check.day_lengths[day_ref].append((length, check.where))
    found["sample_id"] = day_ref
    return found


def _feeding(check: Check, texts: dict, values: dict) -> dict:
    found = _event("feeding_date")(check, texts, values)
    feed = _optional(texts, "feed")
    found["feed_id"] = check.named("feeds", (feed,), "feed", feed, "feed") if feed else None
    return found


def _reading(check: Check, texts: dict, values: dict) -> dict:
    code = texts["parameter"].strip()
    return {
        "container_id": check.container(texts),
        "parameter_id": check.named("environmental_parameters", (code,), "parameter", code, "parameter"),
    }


def _planned(check: Check, texts: dict, values: dict) -> dict:
    batch = _batch(check, texts)
    found = {"batch_id": batch, "assignment_id": None, "container_id": None}
    if _optional(texts, "assignment_container") or _optional(texts, "assignment_date"):
        found["assignment_id"] = _assignment_named(check, batch, texts, "assignment_", "assignment_date")
    if _optional(texts, "container"):
        found["container_id"] = check.container(texts)
    return found


RESOLVERS: dict[str, Callable] = {
    "containers": lambda c, t, v: {"site_id": c.named("sites", (t["site"].strip(),), "site", t["site"], "site")},
    "lifecycle_stages": lambda c, t, v: {"species_id": _species(c, t)},
    "temperature_profile_days": lambda c, t, v: {
        "profile_id": c.named(
            "temperature_profiles", (t["profile"].strip(),), "profile", t["profile"], "temperature profile"
        )
    },
    "tgc_models": lambda c, t, v: {
        "profile_id": c.named(
            "temperature_profiles", (t["profile"].strip(),), "profile", t["profile"], "temperature profile"
        )
    },
    "tgc_stage_overrides": _model_stage("tgc_models", "TGC model"),
    "mortality_stage_overrides": _model_stage("mortality_models", "mortality model"),
    "fcr_model_stages": _model_stage("fcr_models", "FCR model"),
    "batches": lambda c, t, v: {"species_id": _species(c, t)},
    "scenarios": _scenario,
    "assignments": _assignment,
    "transfers": _transfer,
    "growth_samples": lambda c, t, v: _cast(c, t, v),
    "mortality": _event("event_date"),
    "feeding": _feeding,
    "treatments": _event("treatment_date"),
    "environmental_readings": _reading,
    "planned_activities": _planned,
}


def _stage_check(check: Check, v: dict) -> None:
    if v["expected_weight_max_g"] <= v["expected_weight_min_g"]:
        raise RowError(
            "expected_weight_max_g", v["expected_weight_max_g"], "The highest expected weight must be above the lowest."
        )


def _assignment_check(check: Check, v: dict) -> None:
    if v["departure_date"] is not None and v["departure_date"] <= v["assignment_date"]:
        raise RowError("departure_date", v["departure_date"], "The departure must be after the first day.")


def _transfer_check(check: Check, v: dict) -> None:
    if v["source_assignment_id"] is v["dest_assignment_id"]:
        raise RowError("dest_container", "", "The destination must be another assignment than the source.")
    if v["status"] == "COMPLETED" and v["actual_execution_date"] is None:
        raise RowError("actual_execution_date", "", "A completed transfer needs the day it was done.")
    day = v["actual_execution_date"]
    if day is not None:
        for attname, column in (
            ("source_assignment_id", "source_assignment_date"),
            ("dest_assignment_id", "dest_assignment_date"),
        ):
            ref = v[attname]
            end = ref.values["departure_date"]
            if day < ref.values["assignment_date"] or (
                attname == "dest_assignment_id" and end is not None and day >= end
            ):
                raise RowError(
                    "actual_execution_date", day, f"{day} is outside the {column.split('_')[0]} assignment's days."
                )


def _treatment_check(check: Check, v: dict) -> None:
    if v["includes_weighing"] and not (v["weighed_count"] and v["weighed_avg_weight_g"]):
        raise RowError(
            "weighed_count_fish",
            v["weighed_count"],
            "A treatment with weighing needs the fish weighed and their average weight.",
        )


def _reading_check(check: Check, v: dict) -> None:
    parameter = v["parameter_id"].values
    try:
        reading_in_range_validate(_Value(v["value"]), _Parameter(parameter))
    except ValidationError as exc:
        raise RowError("value", v["value"], _message(exc)) from None


class _Value:
    def __init__(self, value):
        self.value = value


class _Parameter:
    def __init__(self, values: dict):
        self.__dict__.update(values)


def _planned_check(check: Check, v: dict) -> None:
    if (v["status"] == "COMPLETED") != (v["completed_date"] is not None):
        raise RowError(
            "completed_date",
            v["completed_date"],
            "A completed activity has the day it was done, and only a completed one.",
        )


ROW_CHECKS: dict[str, Callable] = {
    "lifecycle_stages": _stage_check,
    "assignments": _assignment_check,
    "transfers": _transfer_check,
    "treatments": _treatment_check,
    "environmental_readings": _reading_check,
    "planned_activities": _planned_check,
}


def check_tables(tables: Iterable[Table], progress=None) -> Check:
    check = Check(list(tables), progress=progress)
    check.run()
    return check
