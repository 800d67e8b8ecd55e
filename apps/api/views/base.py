from __future__ import annotations

from rest_framework import viewsets

from apps.api.permissions import Role


class DomainViewSet(viewsets.ModelViewSet):
    # CRUD over one model: reads for every authenticated user, writes for ``write_role`` and above.
    # (A comment, not a docstring: the schema would repeat a docstring on every subclass's operations.)

    write_role = Role.MANAGER
