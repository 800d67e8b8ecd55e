"""A temperature reading saved or deleted one by one marks the assignments its interpolation reaches."""
from django.db.models.signals import post_delete, post_save
from django.utils import timezone


def _reading_changed(sender, instance, raw=False, **kwargs):
    from apps.batch.signals import mark_from_signal, recompute_signals_are_muted
    from apps.environmental.services import is_temperature, temperature_marks

    if raw or recompute_signals_are_muted() or not is_temperature(instance.parameter_id):
        return
    mark_from_signal(temperature_marks([(instance.container_id, timezone.localdate(instance.reading_time))]))


def connect() -> None:
    from apps.environmental.models import EnvironmentalReading

    post_save.connect(_reading_changed, sender=EnvironmentalReading, dispatch_uid="recompute:reading:save")
    post_delete.connect(_reading_changed, sender=EnvironmentalReading, dispatch_uid="recompute:reading:delete")
