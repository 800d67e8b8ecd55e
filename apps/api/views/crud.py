"""CRUD viewsets for the farm's records. Writes go through the serializers' validation; the model signals
mark the recompute work of every saved or deleted event."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api import filters as f
from apps.api.permissions import Role
from apps.api.serializers import batch as bs
from apps.api.serializers import events as es
from apps.api.serializers import history as hs
from apps.api.serializers import reference as rs
from apps.api.serializers import scenario as ss
from apps.api.services import scenario_delete
from apps.audit.history import with_authors
from apps.audit.why import why
from apps.batch.models import (
    ActualDailyAssignmentState,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    LifeCycleStage,
    MortalityEvent,
    Species,
    TransferAction,
    VerificationRun,
)
from apps.batch.services.casts import growth_sample_cast_delete
from apps.batch.services.recording import assignment_delete, transfer_delete
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed, FeedingEvent
from apps.scenario import models as sm

from .base import DomainViewSet, ReadOnlyViewSet

AUTHOR_KEYS = ("entered_by", "last_changed_by", "last_changed_at", "_authors")


class AuthoredMixin:
    """Events' lists carry who entered each row and who changed it last: subqueries of the list's own
    query (``with_authors``), no query per row (pinned in tests/api/test_history.py)."""

    def get_queryset(self):
        return with_authors(super().get_queryset())

    def perform_update(self, serializer):
        super().perform_update(serializer)
        for key in AUTHOR_KEYS:  # the annotation read before the update is stale: answer from the history
            serializer.instance.__dict__.pop(key, None)


class SiteViewSet(DomainViewSet):
    queryset = Site.objects.all()
    serializer_class = rs.SiteSerializer
    filterset_class = f.SiteFilter


class ContainerViewSet(DomainViewSet):
    queryset = Container.objects.select_related("site")
    serializer_class = rs.ContainerSerializer
    filterset_class = f.ContainerFilter


class SpeciesViewSet(DomainViewSet):
    queryset = Species.objects.all()
    serializer_class = rs.SpeciesSerializer
    write_role = Role.ADMIN


class LifeCycleStageViewSet(DomainViewSet):
    queryset = LifeCycleStage.objects.select_related("species")
    serializer_class = rs.LifeCycleStageSerializer
    filterset_class = f.StageFilter
    write_role = Role.ADMIN


class AssignmentViewSet(DomainViewSet):
    queryset = BatchContainerAssignment.objects.select_related("batch", "container__site", "lifecycle_stage")
    serializer_class = bs.AssignmentSerializer
    filterset_class = f.AssignmentFilter

    action_roles = {"why": Role.VIEWER}

    def perform_destroy(self, instance):
        assignment_delete(assignment=instance)  # its batch's row locked before its markers

    @extend_schema(
        parameters=[hs.WhyQuerySerializer],
        responses={200: hs.WhySerializer},
        summary="Why a day holds its value: the value now, its source and confidence, and the changes that moved it",
    )
    @action(detail=True, methods=["get"], url_path="why", filterset_class=None, pagination_class=None)
    def why(self, request, pk=None):
        """The stored state of the day (null when there is none) and, newest first, every change that moved its
        average weight, population or biomass, in words (docs/history.md); a repair by the nightly verification
        says so. Empty on SQLite (no history there)."""
        assignment = self.get_object()
        query = hs.WhyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(hs.WhySerializer(why(assignment_id=assignment.pk, day=query.validated_data["date"])).data)


class DailyStateViewSet(ReadOnlyViewSet):
    """Computed end-of-day states (written only by the recompute)."""

    queryset = ActualDailyAssignmentState.objects.order_by("batch_id", "date", "assignment_id")
    serializer_class = bs.DailyStateSerializer
    filterset_class = f.DailyStateFilter


class VerificationRunViewSet(ReadOnlyViewSet):
    """The verifier's runs, newest first: rows checked, rows that differed from a full recompute, repairs."""

    queryset = VerificationRun.objects.order_by("-started_at", "-id")
    serializer_class = bs.VerificationRunSerializer


class GrowthSampleViewSet(AuthoredMixin, DomainViewSet):
    queryset = GrowthSample.objects.select_related("assignment")
    serializer_class = es.GrowthSampleSerializer
    filterset_class = f.GrowthSampleFilter
    write_role = Role.OPERATOR


class GrowthSampleCastViewSet(DomainViewSet):
    # The casts of the sampling days; every write keeps the day's growth sample their aggregate (docs/api.md).
    queryset = GrowthSampleCast.objects.select_related("sample").annotate(
        day_casts=Subquery(
            GrowthSampleCast.objects.filter(sample_id=OuterRef("sample_id"))
            .order_by()
            .values("sample_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
    )
    serializer_class = es.GrowthSampleCastSerializer
    filterset_class = f.GrowthSampleCastFilter
    write_role = Role.OPERATOR

    def perform_destroy(self, instance):
        growth_sample_cast_delete(cast=instance)  # the day's sample follows, and goes with its last cast


class TransferViewSet(AuthoredMixin, DomainViewSet):
    queryset = TransferAction.objects.select_related("source_assignment", "dest_assignment")
    serializer_class = es.TransferSerializer
    filterset_class = f.TransferFilter
    write_role = Role.OPERATOR
    destroy_rule_codes = ("exceeds_population",)  # the destination still needs the fish it brought

    def perform_destroy(self, instance):
        transfer_delete(transfer=instance)  # a completed transfer's fish may be needed by its destination


class MortalityEventViewSet(AuthoredMixin, DomainViewSet):
    queryset = MortalityEvent.objects.select_related("assignment")
    serializer_class = es.MortalityEventSerializer
    filterset_class = f.MortalityEventFilter
    write_role = Role.OPERATOR


class TreatmentViewSet(AuthoredMixin, DomainViewSet):
    queryset = Treatment.objects.select_related("assignment")
    serializer_class = es.TreatmentSerializer
    filterset_class = f.TreatmentFilter
    write_role = Role.OPERATOR


class FeedViewSet(DomainViewSet):
    queryset = Feed.objects.all()
    serializer_class = rs.FeedSerializer


class FeedingEventViewSet(AuthoredMixin, DomainViewSet):
    queryset = FeedingEvent.objects.select_related("assignment")
    serializer_class = es.FeedingEventSerializer
    filterset_class = f.FeedingEventFilter
    write_role = Role.OPERATOR


class EnvironmentalParameterViewSet(DomainViewSet):
    queryset = EnvironmentalParameter.objects.all()
    serializer_class = rs.EnvironmentalParameterSerializer
    write_role = Role.ADMIN


class EnvironmentalReadingViewSet(AuthoredMixin, DomainViewSet):
    queryset = EnvironmentalReading.objects.order_by("-reading_time", "-id")
    serializer_class = es.EnvironmentalReadingSerializer
    filterset_class = f.ReadingFilter
    write_role = Role.OPERATOR


class ScenarioViewSet(DomainViewSet):
    queryset = sm.Scenario.objects.select_related("tgc_model")
    serializer_class = ss.ScenarioSerializer
    filterset_class = f.ScenarioFilter

    def perform_destroy(self, instance):
        scenario_delete(scenario=instance)  # the batches' rows locked before their markers


class TemperatureProfileViewSet(DomainViewSet):
    queryset = sm.TemperatureProfile.objects.prefetch_related("days")
    serializer_class = ss.TemperatureProfileSerializer

    def get_queryset(self):
        # the JSON list reads a page's days in one query of pairs (ss.TemperatureProfilesSerializer); one
        # profile and the file export (a serializer per row) keep the prefetch
        if self.action == "list" and self.export_format() is None:
            return sm.TemperatureProfile.objects.all()
        return super().get_queryset()


class TemperatureProfileDayViewSet(DomainViewSet):
    queryset = sm.TemperatureProfileDay.objects.order_by("profile_id", "day_number")
    serializer_class = ss.TemperatureProfileDaySerializer
    filterset_class = f.ProfileDayFilter


class TGCModelViewSet(DomainViewSet):
    queryset = sm.TGCModel.objects.prefetch_related("stage_overrides")
    serializer_class = ss.TGCModelSerializer
    filterset_class = f.TGCModelFilter


class MortalityModelViewSet(DomainViewSet):
    queryset = sm.MortalityModel.objects.prefetch_related("stage_overrides")
    serializer_class = ss.MortalityModelSerializer


class FCRModelViewSet(DomainViewSet):
    queryset = sm.FCRModel.objects.prefetch_related("stages")
    serializer_class = ss.FCRModelSerializer
