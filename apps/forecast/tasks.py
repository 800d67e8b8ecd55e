"""The nightly calibration of the forecast band (docs/forecast.md "The calibrated band"): a thin task over
``calibration_refresh``. Beat runs it before the nightly catch-up, whose recomputes refresh every active
batch's projections with the new calibration."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.forecast.calibrate import calibration_refresh


@shared_task
def calibrate_forecast_nightly() -> dict:
    calibration = calibration_refresh(today=timezone.localdate(), computed_at=timezone.now())
    return {
        "calibrated": calibration.calibrated,
        "residuals": calibration.residuals,
        "buckets": len(calibration.buckets),
    }
