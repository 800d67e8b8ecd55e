from __future__ import annotations

from rest_framework import viewsets

from apps.api import idempotency
from apps.api.permissions import Role


class IdempotentWrites:
    # Writes accept an Idempotency-Key (apps/api/idempotency.py): claimed once the user and role are known,
    # the outcome stored in the request's transaction, a retry answered with the first outcome.
    # (Comments, not a docstring: the schema would repeat a docstring on every subclass's operations.)

    idempotency_claim: idempotency.Claim | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.idempotency_claim = idempotency.idempotency_claim(request=request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_claim is not None:
            idempotency.idempotency_record(claim=self.idempotency_claim, response=response)
        return response


class DomainViewSet(IdempotentWrites, viewsets.ModelViewSet):
    # CRUD over one model: reads for every authenticated user, writes for ``write_role`` and above, each with
    # an Idempotency-Key if the client sends one (IdempotentWrites).

    write_role = Role.MANAGER
