from __future__ import annotations

from rest_framework import viewsets

from apps.api import idempotency
from apps.api.exports import ExportMixin
from apps.api.permissions import Role
from apps.api.scoping import scope_checked
from apps.audit.context import history_user


class IdempotentWrites:
    # Writes accept an Idempotency-Key (apps/api/idempotency.py): claimed once the user and role are known,
    # the outcome stored in the request's transaction, a retry answered with the first outcome.
    # Every record a write names must be in the user's sites (apps/api/scoping.py): 404 unseen, 403 too low a role.
    # The list is also a file: ``?format=csv`` or ``?format=xlsx`` (apps/api/exports.py).
    # (Comments, not a docstring: the schema would repeat a docstring on every subclass's operations.)

    idempotency_claim: idempotency.Claim | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        history_user(request.user)  # DRF authenticated the token or session just now: the history's author
        self.idempotency_claim = idempotency.idempotency_claim(request=request)

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        if getattr(self, "swagger_fake_view", False):  # the schema describes the serializer itself
            return serializer_class
        return scope_checked(serializer_class)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_claim is not None:
            idempotency.idempotency_record(claim=self.idempotency_claim, response=response)
        return response


class DomainViewSet(IdempotentWrites, ExportMixin, viewsets.ModelViewSet):
    # CRUD over one model: reads for every authenticated user, writes for ``write_role`` and above, each with
    # an Idempotency-Key if the client sends one (IdempotentWrites).

    write_role = Role.MANAGER


class ReadOnlyViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    # Records only the system writes (daily states, verifier runs): list and retrieve, the list also as a file.
    pass
