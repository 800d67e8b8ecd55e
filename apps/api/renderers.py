"""The browsable API's HTML renderer, made to run under the Content-Security-Policy (docs/web.md): DRF's page
without its inline style sheet (Pygments colours for code in descriptions, which we do not use) and with its two
inline ``style`` attributes replaced by a class of ``api/browsable_api.css`` (``api/browsable_api.html``)."""

from __future__ import annotations

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    template = "api/browsable_api.html"

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None  # base.html writes it into an inline <style> element
        return context
