"""Portal forms: plain Django forms; a business rule's refusal lands on the field it names."""

from django import forms

from unioncore.errors import RuleViolation

__all__ = ["LoginForm", "LoginLinkForm", "PortalForm", "show_violation"]


def show_violation(form: forms.Form, violation: RuleViolation) -> forms.Form:
    """Put a RuleViolation on the form: each of its `fields` on that field when the form has
    it, the rest (and the message itself when no field is named) above the form. A form's
    `violation_fields` ({code: field}) places a rule that names no field beside the field it is
    about."""
    field = getattr(form, "violation_fields", {}).get(violation.code)
    if field in form.fields:
        form.add_error(field, violation.message)
        return form
    placed = False
    for name, message in (violation.fields or {}).items():
        if name in form.fields:
            form.add_error(name, message)
            placed = True
        else:
            form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, violation.message)
    return form


class PortalForm(forms.Form):
    """A form whose errors are shown in place (see templates/portal/includes/field.html)."""

    violation_fields: dict[str, str] = {}

    def show_violation(self, violation: RuleViolation) -> "PortalForm":
        return show_violation(self, violation)


class LoginForm(PortalForm):
    identifier = forms.CharField(
        label="Phone number or username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "inputmode": "text"}),
        help_text="For example 206-555-0134.",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class LoginLinkForm(PortalForm):
    identifier = forms.CharField(
        label="Phone number",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text="The number the hall has for you (a username works too).",
    )
