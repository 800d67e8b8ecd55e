"""Every list of the API as a file: ``?format=csv`` or ``?format=xlsx`` (docs/api.md "Exports",
docs/import-export.md "Exports").

One mechanism for all of them, in the project's base viewsets (``ExportMixin``): the two renderers below join the
list's JSON ones, selected by ``?format=`` (read here: the project keeps DRF's URL_FORMAT_OVERRIDE off elsewhere) or
an ``Accept: text/csv`` header, and the OpenAPI schema lists the parameter and the files (apps/api/schema.py). A list asked as a file is not paginated and not held in memory: the list's own queryset,
filtered by the list's own filter set (so any scope later added to ``get_queryset`` applies to the files too), is
read with ``.iterator()``; each row goes through the list's serializer (the same field names and values as the
JSON) — or, for a plain model serializer (every field a column of the model), the queryset is read with
``values_list`` and each value goes through its serializer field alone (``values_rows``: the same rows, 10×
fewer Python calls) — and out through ``aquamind/tabular.py``: the CSV streamed chunk by chunk, the Excel file written row by row to
a temporary file and streamed back. A bad filter or format is a 400 in the JSON error shape, before any row leaves.

The endpoints whose JSON is not a flat list (the projections, the forecast summaries) give their rows through
``table_rows``: nested objects become dotted column names (``harvest.weight_g.p50``), the JSON paths.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from rest_framework import exceptions, renderers, serializers

from aquamind.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_write

EXPORT_FORMATS = ("csv", "xlsx")
#: rows fetched per round trip of the server-side cursor
EXPORT_CHUNK_ROWS = 2000
FORMAT_PARAMETER = "format"


class CSVRenderer(renderers.BaseRenderer):
    """``text/csv``: a small JSON body (a list of objects) as a table; the lists stream instead (ExportMixin)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        header, rows = table_of(data)
        return "".join(csv_stream(header, rows)).encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    """The Excel workbook of a small JSON body, one sheet."""

    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        header, rows = table_of(data)
        buffer = io.BytesIO()
        view = (renderer_context or {}).get("view")
        xlsx_write(buffer, [(export_name(view) if view else "export", header, rows)])
        return buffer.getvalue()


def flat(value, prefix: str = "") -> dict:
    """A JSON object as one row: nested objects as dotted names, lists as their JSON text."""
    row = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            row.update(flat(item, f"{name}."))
        elif isinstance(item, list):
            row[name] = json.dumps(item, default=str)
        else:
            row[name] = item
    return row


def table_rows(objects: Iterable[dict]) -> list[dict]:
    return [flat(o) for o in objects]


def table_of(data) -> tuple[list[str], list[list]]:
    """The header and rows of a JSON body: a list of objects (one row each) or one object (one row)."""
    objects = data if isinstance(data, list) else [data]
    rows = [flat(o) if isinstance(o, dict) else {"value": o} for o in objects]
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    return list(header), [[row.get(name) for name in header] for row in rows]


def export_name(view) -> str:
    """The file's name without date and extension: the route's basename (``daily-states``), with the object and
    action for an action (``batches-12-growth-segments``), or the view's own."""
    own = getattr(view, "export_basename", None)
    if own:
        return own
    base = getattr(view, "basename", None) or "export"
    action = getattr(view, "action", None)
    if action and action != "list":
        pk = getattr(view, "kwargs", {}).get("pk")
        return f"{base}-{pk}-{action.replace('_', '-')}" if pk else f"{base}-{action.replace('_', '-')}"
    return base


def _cell(value):
    """A nested value (a JSON field such as ``sources``) as its JSON text; the others as they are."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def _xlsx_converter(field):
    """Dates and date-times back from their ISO text to values a spreadsheet shows as dates."""
    if isinstance(field, serializers.DateTimeField):
        return dt.datetime.fromisoformat
    if isinstance(field, serializers.DateField):
        return dt.date.fromisoformat
    return None


def serialized_rows(serializer, objects: Iterable, *, xlsx: bool) -> tuple[list[str], Iterator[list]]:
    """The header (the serializer's field names, as in the JSON) and a generator of each object's row."""
    readable = [(name, field) for name, field in serializer.fields.items() if not field.write_only]
    names = [name for name, _ in readable]
    converters = {name: _xlsx_converter(field) for name, field in readable} if xlsx else {}

    def rows():
        for obj in objects:
            data = serializer.to_representation(obj)
            row = []
            for name in names:
                value = data.get(name)
                convert = converters.get(name)
                if convert is not None and isinstance(value, str):
                    value = convert(value)
                row.append(_cell(value))
            yield row

    return names, rows()


def _identity(field, model_field) -> bool:
    """The serializer field gives the database's value unchanged: whole numbers, text, true/false (DRF's
    ``int(value)``, ``str(value)``, ``bool`` on values already of that type)."""
    kinds = _IDENTITY.get(type(field).to_representation)
    return kinds is not None and isinstance(model_field, kinds)


_IDENTITY = {
    serializers.IntegerField.to_representation: (models.IntegerField,),
    serializers.CharField.to_representation: (models.CharField, models.TextField),
    serializers.BooleanField.to_representation: (models.BooleanField,),
}


def values_rows(serializer, queryset, *, xlsx: bool) -> tuple[list[str], Iterator[list]] | None:
    """The rows of ``serialized_rows`` without a serializer per row: the queryset read with ``values_list`` and
    each value through its serializer field's own ``to_representation`` (a foreign key: its id; a field read
    from an annotation of the queryset, such as the events' authors: the annotation), the same header, values
    and order. None when the serializer is not that plain (a method or nested field, a dotted or
    computed source, its own ``to_representation``): the caller then serializes each row."""
    if type(serializer).to_representation is not serializers.ModelSerializer.to_representation:
        return None
    model = queryset.model
    annotations = queryset.query.annotations
    readable = [(name, field) for name, field in serializer.fields.items() if not field.write_only]
    paths, converters = [], []
    for _name, field in readable:
        if isinstance(field, (serializers.BaseSerializer, serializers.ManyRelatedField)) or "." in field.source:
            return None
        if field.source in annotations and not isinstance(
            field, (serializers.RelatedField, serializers.SerializerMethodField)
        ):  # a value of the list's own query (the events' authors): read as the serializer reads the attribute
            paths.append(field.source)
            converters.append(field.to_representation)
            continue
        try:
            model_field = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return None
        if not model_field.concrete or getattr(model_field, "many_to_many", False):
            return None
        if isinstance(field, serializers.RelatedField):
            if not isinstance(field, serializers.PrimaryKeyRelatedField) or field.pk_field is not None:
                return None
            converters.append(None)  # the id, as the serializer's PKOnlyObject gives it
        elif model_field.is_relation or isinstance(field, serializers.SerializerMethodField):
            return None
        elif _identity(field, model_field):
            converters.append(None)  # the value the database gives is the value the field gives
        else:
            converters.append(field.to_representation)
        paths.append(model_field.attname)
    names = [name for name, _ in readable]
    back = [_xlsx_converter(field) if xlsx else None for _, field in readable]
    steps = [(i, convert, to_cell) for i, (convert, to_cell) in enumerate(zip(converters, back)) if convert or to_cell]
    nested = [i for i, (_, field) in enumerate(readable) if isinstance(field, serializers.JSONField)]

    def rows():
        for values in queryset.values_list(*paths).iterator(chunk_size=EXPORT_CHUNK_ROWS):
            row = list(values)
            for i, convert, to_cell in steps:
                value = row[i]
                if value is not None and convert is not None:
                    value = convert(value)
                if to_cell is not None and isinstance(value, str):
                    value = to_cell(value)
                row[i] = value
            for i in nested:
                row[i] = _cell(row[i])
            yield row

    return names, rows()


def export_response(fmt: str, *, name: str, header: list[str], rows: Iterable) -> StreamingHttpResponse:
    """The file of ``rows``: a streamed CSV, or an Excel workbook written to a temporary file and streamed back."""
    filename = f"{name}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in csv_stream(header, rows)), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    xlsx_write(spool, [(name, header, rows)])
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def bad_format(request, formats: list[str]) -> exceptions.ValidationError:
    value = request.query_params.get(FORMAT_PARAMETER, "")
    detail = f"{value[:40]!r} is not a format of this endpoint: {', '.join(formats)}."
    return exceptions.ValidationError({FORMAT_PARAMETER: [exceptions.ErrorDetail(detail, code="invalid_choice")]})


def _pagination_checked(paginator, request) -> None:
    """A file is not paginated, but ``page`` and ``page_size`` are still parameters of the list: a malformed one
    is the same 400 as for the JSON list (found by schemathesis: ``page=null`` with ``format=csv`` was accepted)."""
    if paginator is None:
        return
    from apps.api.pagination import MAX_PAGE, positive_int  # noqa: PLC0415

    paginator.get_page_size(request)
    positive_int(request, paginator.page_query_param, maximum=MAX_PAGE)


class ExportMixin:
    # On the project's base viewsets: ``?format=csv|xlsx`` on the actions named in ``export_actions`` (the list;
    # an APIView names its method, "get"). The list streams its filtered queryset; other actions return their
    # JSON body as rows (``table_rows`` for nested ones), rendered by the two renderers.
    # (Comments, not a docstring: the schema would repeat a docstring on every subclass's operations.)

    export_actions: tuple[str, ...] = ("list",)

    def exportable(self) -> bool:
        action = getattr(self, "action", None) or self.request.method.lower()
        return action in self.export_actions

    def export_format(self) -> str | None:
        """``csv`` or ``xlsx`` when the request asks for a file, else None."""
        fmt = getattr(getattr(self.request, "accepted_renderer", None), "format", None)
        return fmt if fmt in EXPORT_FORMATS and self.exportable() else None

    def get_renderers(self):
        found = super().get_renderers()
        if self.exportable():
            found = [*found, CSVRenderer(), XLSXRenderer()]
        return found

    def perform_content_negotiation(self, request, force=False):
        """``?format=`` (json, csv, xlsx) on the exportable actions: the project turns DRF's URL_FORMAT_OVERRIDE off
        (an unknown value would be its 404), so the switch is read here, and an unknown value is a 400."""
        fmt = request.query_params.get(FORMAT_PARAMETER) if self.exportable() else None
        if fmt is not None:
            offered = self.get_renderers()
            for renderer in offered:
                if renderer.format == fmt and fmt != "api":
                    return renderer, renderer.media_type
            if not force:
                raise bad_format(request, [r.format for r in offered if r.format != "api"])
        return super().perform_content_negotiation(request, force=force)

    def handle_exception(self, exc):
        if self.export_format():  # errors are JSON whatever was asked
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        fmt = self.export_format()
        if fmt and response.status_code == 200 and not response.has_header("Content-Disposition"):
            filename = f"{export_name(self)}-{timezone.localdate().isoformat()}.{fmt}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def list(self, request, *args, **kwargs):
        fmt = self.export_format()
        if fmt is None:
            return super().list(request, *args, **kwargs)
        _pagination_checked(self.paginator, request)
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer()
        plain = values_rows(serializer, queryset, xlsx=fmt == "xlsx")
        header, rows = plain or serialized_rows(
            serializer, queryset.iterator(chunk_size=EXPORT_CHUNK_ROWS), xlsx=fmt == "xlsx"
        )
        return export_response(fmt, name=export_name(self), header=header, rows=rows)


def projection_rows(body: dict) -> list[dict]:
    """The projection as one row per projection and day: the projection's own fields, then the day's date and
    its P10/P50/P90 weight, population and biomass (``weight_g.p50`` ...) and P50 stage (``stage_id``)."""
    rows = []
    for projection in [p for p in [body.get("total"), *body.get("assignments", [])] if p]:
        series = projection["series"]
        own = {k: v for k, v in projection.items() if k != "series"}
        first = dt.date.fromisoformat(projection["first_date"])
        for i, stage in enumerate(series["stage_ids"]):
            row = {**own, "date": (first + dt.timedelta(days=i)).isoformat()}
            for measure in ("weight_g", "population", "biomass_kg"):
                for quantile in ("p10", "p50", "p90"):
                    row[f"{measure}.{quantile}"] = series[measure][quantile][i]
            row["stage_id"] = stage
            rows.append(row)
    return rows


def farm_summary_rows(body: dict) -> list[dict]:
    """The farm's forecast summary as one row per ISO week (``overdue`` first) and kind of crossing."""
    weeks = [{"week": "overdue", "start_date": None, **body["overdue"]}, *body["weeks"]]
    rows = []
    for week in weeks:
        for kind in ("harvest", "sea_transfer"):
            rows.append(
                flat(
                    {
                        "today": body["today"],
                        "site_id": body["site_id"],
                        "week": week["week"],
                        "start_date": week["start_date"],
                        "kind": kind,
                        **week[kind],
                    }
                )
            )
    return rows


def batch_summary_rows(body: dict) -> list[dict]:
    """The batch's forecast summary as one row per active assignment (crossings as dotted columns)."""
    return [flat({"batch_id": body["batch_id"], "today": body["today"], **a}) for a in body["assignments"]]
