"""The history (docs/history.md): the farm-wide feed of changes, its CSV export, and one record's versions.

Every authenticated user may read them (viewer). The why of an assignment's day is an action of the
assignments (``AssignmentViewSet.why``)."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.scope import user_scope
from apps.api.serializers import history as hs
from apps.api.serializers.common import MAX_ID
from apps.audit.history import EVENTS, FeedFilter, cursor_of, feed, feed_all, record_history, record_visible
from aquamind.tabular import CSV_CONTENT_TYPE, csv_stream

FEED_PAGE = 50
CSV_HEADER = ["at", "kind", "record_id", "action", "who", "channel", "where", "summary", "changes"]


def feed_filter(request) -> FeedFilter:
    query = hs.FeedQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    return FeedFilter(
        user=values.get("user"),
        site=values.get("site"),
        kinds=[values["kind"]] if values.get("kind") else [],
        since=values.get("since"),
        until=values.get("until"),
        after=values.get("after"),
        sites=user_scope(request.user).site_ids(),
    )


class HistoryFeedView(APIView):
    """The farm's recent changes, newest first."""

    @extend_schema(
        parameters=[hs.FeedQuerySerializer],
        responses={200: hs.HistoryFeedSerializer},
        summary="Recent changes of the farm's records, filterable by user, site, kind and day",
    )
    def get(self, request):
        """Fifty changes per page, newest first, each with who, when, through what and every field changed;
        ``next`` pages on (``after``). Empty on SQLite (no history is recorded there)."""
        entries = feed(feed_filter(request), limit=FEED_PAGE)
        following = cursor_of(entries[-1]).text() if len(entries) == FEED_PAGE else None
        return Response(hs.HistoryFeedSerializer({"results": entries, "next": following}).data)


def csv_rows(entries):
    for e in entries:
        changes = "; ".join(f"{c['field']}: {c['old']} -> {c['new']}" for c in e["changes"])
        yield [
            timezone.localtime(e["at"]).isoformat(),
            e["kind"],
            e["record_id"],
            e["action"],
            e["who"],
            e["channel"],
            e["where"],
            e["summary"],
            changes,
        ]


class HistoryExportView(APIView):
    """Every change matching the filters as CSV."""

    @extend_schema(
        parameters=[hs.FeedQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV (UTF-8 with a BOM), newest first.")
        },
        summary="The history as CSV, with the feed's filters",
    )
    def get(self, request):
        """Streamed: every matching change, one line each; the changed fields as "field: old -> new; …"."""
        rows = csv_rows(feed_all(feed_filter(request)))
        response = StreamingHttpResponse(csv_stream(CSV_HEADER, rows), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="history.csv"'
        return response


class RecordHistoryView(APIView):
    """One record's versions."""

    @extend_schema(
        responses={200: hs.HistoryEntrySerializer(many=True)},
        summary="One record's history: every version, newest first, with the fields each changed",
    )
    def get(self, request, kind: str, pk: int):
        """``kind`` is the record's model as ``app.model`` (``batch.growthsample``); a deleted record's history
        stays readable (its last values are in its delete)."""
        if kind not in EVENTS or pk > MAX_ID:
            raise Http404("No such kind of record.")
        if not record_visible(kind, pk, user_scope(request.user).site_ids()):
            raise Http404("No such record in your sites.")
        return Response(hs.HistoryEntrySerializer(record_history(kind, pk), many=True).data)
