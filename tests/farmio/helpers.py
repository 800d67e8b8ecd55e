"""Shared by the import tests: an empty farm, the daily states by natural key, and a small farm as CSV text."""

from __future__ import annotations

from apps.batch.models import ActualDailyAssignmentState, Batch, LifeCycleStage, Species
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.farmio.exporting import STATE_FIELDS
from apps.farmio.models import ExternalId
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed
from apps.planning.models import PlannedActivity
from apps.scenario.models import FCRModel, MortalityModel, Scenario, TemperatureProfile, TGCModel

#: deleted in this order, the database holds no farm (what "an empty database" means to an import)
EMPTYING_ORDER = (
    PlannedActivity,
    Scenario,
    Batch,
    EnvironmentalReading,
    Container,
    Site,
    TGCModel,
    TemperatureProfile,
    MortalityModel,
    FCRModel,
    LifeCycleStage,
    Species,
    Feed,
    EnvironmentalParameter,
    ExternalId,
)


def farm_empty() -> None:
    for model in EMPTYING_ORDER:
        model.objects.all().delete()


def states_by_natural_key() -> list[tuple]:
    """Every daily state without its database ids or its computing time, in natural-key order."""
    return sorted(ActualDailyAssignmentState.objects.values_list(*STATE_FIELDS))


SMALL_FARM = {
    "sites": "name,kind\nHatchery,FRESHWATER\nSound,SEA\n",
    "containers": "site,name,kind,volume_m3\nHatchery,Tank 1,TANK,100.00\nSound,Pen 1,PEN,20000.00\nSound,Pen 2,PEN,\n",
    "species": "name,scientific_name\nAtlantic salmon,Salmo salar\n",
    "lifecycle_stages": (
        "species,name,order,expected_weight_min_g,expected_weight_max_g,at_sea\n"
        "Atlantic salmon,Parr,1,5.00,60.00,false\n"
        "Atlantic salmon,Smolt,2,60.00,200.00,false\n"
        "Atlantic salmon,Adult,3,200.00,8000.00,true\n"
    ),
    "temperature_profiles": "name\nFlat 8\n",
    "temperature_profile_days": "profile,day_number,temp_c\nFlat 8,1,8.0\nFlat 8,400,8.0\n",
    "tgc_models": "name,tgc_value_per_1000,profile\nTGC 2.5,2.5,Flat 8\n",
    "mortality_models": "name,frequency,rate_percent\nMort,DAILY,0.01\n",
    "batches": "batch_number,species,start_date,status,notes\nB1,Atlantic salmon,2025-01-01,ACTIVE,\n",
    "scenarios": (
        "batch_number,name,start_date,duration_days,initial_count_fish,initial_weight_g,tgc_model,mortality_model\n"
        "B1,B1 plan,2025-01-01,400,1000,20.00,TGC 2.5,Mort\n"
    ),
    "assignments": (
        "external_id,batch_number,site,container,stage,assignment_date,departure_date,placement_count_fish,placement_avg_weight_g\n"
        "a1,B1,Hatchery,Tank 1,Parr,2025-01-01,2025-03-01,1000,20.00\n"
        "a2,B1,Sound,Pen 1,Smolt,2025-03-01,,,\n"
    ),
    "transfers": (
        "batch_number,source_site,source_container,source_assignment_date,dest_site,dest_container,"
        "dest_assignment_date,status,actual_execution_date,transferred_count_fish,mortality_during_transfer_fish\n"
        "B1,Hatchery,Tank 1,2025-01-01,Sound,Pen 1,2025-03-01,COMPLETED,2025-03-01,900,10\n"
    ),
    "growth_samples": (
        "batch_number,site,container,sample_date,fish_weighed,avg_weight_g,std_dev_weight_g\n"
        "B1,Hatchery,Tank 1,2025-02-01,30,35.00,4.00\n"
        "B1,Hatchery,Tank 1,2025-02-01,20,40.00,5.00\n"
        "B1,Sound,Pen 1,2025-04-01,30,90.00,11.00\n"
    ),
    "mortality": (
        "external_id,batch_number,site,container,event_date,count_fish,cause\n"
        "m1,B1,Hatchery,Tank 1,2025-01-10,40,UNKNOWN\n"
        "m2,B1,Sound,Pen 1,2025-03-20,5,DISEASE\n"
    ),
}


def small_farm_files(**changes: str) -> list[tuple[str, bytes]]:
    """The small farm's files, with some kinds' text replaced (``mortality="…"``) or removed (``""``)."""
    texts = SMALL_FARM | changes
    return [(f"{kind}.csv", text.encode()) for kind, text in texts.items() if text]
