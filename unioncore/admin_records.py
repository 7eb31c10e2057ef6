"""A console page for a plain record (a steward, a traveler, a COPE checkoff …) whose add and
change pages save through the record's service: the form validates, then calls the service in
its own clean, so a refusal shows on the form and the admin writes nothing itself."""

from django.core.exceptions import ValidationError
from django.db import models

from unioncore.admin_actions import HistoryAdmin


class RecordAdmin(HistoryAdmin):
    def record_save(self, request, obj, fields: dict):
        """Call the service with `fields` (a foreign key as `name_id`); `obj` is None on the add
        page. Returns the saved row."""
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        admin_page = self

        class ServiceForm(form):
            def _post_clean(self):
                if self.errors:
                    return
                fields = {}
                for name, value in self.cleaned_data.items():
                    field = self._meta.model._meta.get_field(name)
                    if isinstance(field, models.ForeignKey):
                        fields[f"{name}_id"] = value.pk if value is not None else None
                    elif obj is None or name in self.changed_data:
                        fields[name] = value
                try:
                    self.saved = admin_page.record_save(request, obj, fields)
                except ValidationError as refused:
                    self._update_errors(refused)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.saved.__dict__)  # what the service saved (the admin log names it)

    def save_related(self, request, form, formsets, change):
        pass
