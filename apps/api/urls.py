"""/api/v1/ routes (docs/api.md lists them with their roles)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from apps.api.views import crud
from apps.api.views.alerts import AlertSubscriptionViewSet, AlertViewSet
from apps.api.views.batches import BatchViewSet
from apps.api.views.entries import DayEntriesViewSet
from apps.api.views.forecast import ForecastSummaryView
from apps.api.views.history import HistoryExportView, HistoryFeedView, RecordHistoryView
from apps.api.views.imports import ImportConfirmView, ImportCreateView, ImportJobView
from apps.api.views.misc import ApiRootView, ObtainTokenView, UnknownEndpointView
from apps.api.views.planning import ActivityTemplateViewSet, PlannedActivityViewSet
from apps.api.views.reports import SiteMonthReportView

router = SimpleRouter()
ROUTES = [
    ("infrastructure/sites", crud.SiteViewSet),
    ("infrastructure/containers", crud.ContainerViewSet),
    ("batch/species", crud.SpeciesViewSet),
    ("batch/lifecycle-stages", crud.LifeCycleStageViewSet),
    ("batch/batches", BatchViewSet),
    ("batch/assignments", crud.AssignmentViewSet),
    ("batch/growth-samples", crud.GrowthSampleViewSet),
    ("batch/growth-sample-casts", crud.GrowthSampleCastViewSet),
    ("batch/transfers", crud.TransferViewSet),
    ("batch/mortality-events", crud.MortalityEventViewSet),
    ("batch/day-entries", DayEntriesViewSet),
    ("batch/daily-states", crud.DailyStateViewSet),
    ("batch/verifications", crud.VerificationRunViewSet),
    ("health/treatments", crud.TreatmentViewSet),
    ("inventory/feeds", crud.FeedViewSet),
    ("inventory/feeding-events", crud.FeedingEventViewSet),
    ("environmental/parameters", crud.EnvironmentalParameterViewSet),
    ("environmental/readings", crud.EnvironmentalReadingViewSet),
    ("scenario/scenarios", crud.ScenarioViewSet),
    ("scenario/temperature-profiles", crud.TemperatureProfileViewSet),
    ("scenario/temperature-profile-days", crud.TemperatureProfileDayViewSet),
    ("scenario/tgc-models", crud.TGCModelViewSet),
    ("scenario/mortality-models", crud.MortalityModelViewSet),
    ("scenario/fcr-models", crud.FCRModelViewSet),
    ("planning/activities", PlannedActivityViewSet),
    ("planning/templates", ActivityTemplateViewSet),
    ("alerts/alerts", AlertViewSet),
    ("alerts/subscriptions", AlertSubscriptionViewSet),
]
for prefix, viewset in ROUTES:
    router.register(prefix, viewset, basename=prefix.split("/")[-1])

urlpatterns = [
    path("", ApiRootView.as_view(routes=[(prefix, prefix.split("/")[-1]) for prefix, _ in ROUTES]), name="api-root"),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("forecast/summary/", ForecastSummaryView.as_view(), name="forecast-summary"),
    path("imports/", ImportCreateView.as_view(), name="import-create"),
    path("imports/<int:pk>/", ImportJobView.as_view(), name="import-job"),
    path("imports/<int:pk>/confirm/", ImportConfirmView.as_view(), name="import-confirm"),
    path("reports/site-month/", SiteMonthReportView.as_view(), name="site-month-report"),
    path("history/", HistoryFeedView.as_view(), name="history-feed"),
    path("history/export/", HistoryExportView.as_view(), name="history-export"),
    path("history/<str:kind>/<int:pk>/", RecordHistoryView.as_view(), name="history-record"),
    *router.urls,
    re_path(r"^[\s\S]*$", UnknownEndpointView.as_view(), name="api-unknown"),  # any path, %0A included
]
