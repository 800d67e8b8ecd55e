"""A scenario or one of its models changed: every batch using it is recomputed fully (recompute.md §2)."""
from django.db.models import Q
from django.db.models.signals import post_delete, post_save


def _scenarios_for(instance):
    from apps.scenario import models as m

    by_model = {
        m.Scenario: lambda: Q(pk=instance.pk),
        m.TGCModel: lambda: Q(tgc_model_id=instance.pk),
        m.TGCStageOverride: lambda: Q(tgc_model_id=instance.model_id),
        m.TemperatureProfileDay: lambda: Q(tgc_model__profile_id=instance.profile_id),
        m.MortalityModel: lambda: Q(mortality_model_id=instance.pk),
        m.MortalityStageOverride: lambda: Q(mortality_model_id=instance.model_id),
    }
    return m.Scenario.objects.filter(by_model[type(instance)]())


def _changed(sender, instance, raw=False, **kwargs):
    from apps.batch.services.scenario_params import batches_using_scenarios
    from apps.batch.signals import batch_mark_all, recompute_signals_are_muted
    from apps.scenario.models import Scenario

    if raw or recompute_signals_are_muted():
        return
    batch_ids = batches_using_scenarios(_scenarios_for(instance))
    if sender is Scenario and instance.batch_id:
        batch_ids.add(instance.batch_id)  # a deleted scenario no longer matches its own query
    for batch_id in sorted(batch_ids):
        batch_mark_all(batch_id=batch_id)


def connect() -> None:
    from apps.scenario import models as m

    for model in (m.Scenario, m.TGCModel, m.TGCStageOverride, m.TemperatureProfileDay, m.MortalityModel, m.MortalityStageOverride):
        uid = f"recompute:{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}:delete")
