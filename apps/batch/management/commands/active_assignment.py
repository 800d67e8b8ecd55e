"""Print an assignment that holds fish today, for trying the API (the README's example POST uses it)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.batch.models import BatchContainerAssignment


class Command(BaseCommand):
    help = "Print the id and label of an assignment active today (no departure, started on or before today, no sample yet today)."

    def add_arguments(self, parser):
        parser.add_argument("--id-only", action="store_true", help="Print only the id (for shell scripts).")

    def handle(self, *args, **opts):
        today = timezone.localdate()
        assignment = (
            BatchContainerAssignment.objects.filter(departure_date__isnull=True, assignment_date__lte=today)
            .exclude(growth_samples__sample_date=today)  # one sample a day: today's must still be free
            .select_related("container__site", "batch")
            .order_by("-assignment_date", "id")
            .first()
        )
        if assignment is None:
            raise CommandError("No assignment holds fish today: generate the demo data first (scripts/run.sh does).")
        if opts["id_only"]:
            self.stdout.write(str(assignment.pk))
        else:
            self.stdout.write(
                f"{assignment.pk}\t{assignment} (batch {assignment.batch.batch_number}, {assignment.lifecycle_stage})"
            )
