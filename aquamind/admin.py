"""Admin helpers every app's admin uses: a form that shows a cross-row domain rule on its field, and a model
admin that saves through a recording service (lock, check, save), as the API does."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError


def validated_form(model, validator):
    """A model form that also applies a cross-row domain rule, so the admin shows it on the field."""

    class Form(forms.ModelForm):
        class Meta:
            fields = "__all__"  # noqa: DJ007 -- the admin edits every field of the row

        def _post_clean(self):
            super()._post_clean()
            try:
                validator(self.instance)
            except ValidationError as error:
                self._update_errors(error)

    Form.Meta.model = model
    return Form


class RecordedAdmin(admin.ModelAdmin):
    """Saves through ``record`` (a recording service: lock, check, save in one transaction), as the API does.
    The form already showed the same check's error on its field; this repeats it under the lock."""

    def record(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.record(obj)
