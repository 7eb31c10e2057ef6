from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from unioncore import services
from unioncore.errors import RuleViolation
from unioncore.models import User


class StaffLoginForm(AdminAuthenticationForm):
    """The admin login, through the same lock-aware check as every other login path."""

    def clean(self):
        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if identifier is not None and password:
            try:
                self.user_cache = services.login_authenticate(
                    request=self.request, identifier=identifier, password=password
                )
            except RuleViolation as refused:
                if refused.code == "too_many_attempts":
                    raise forms.ValidationError(refused.message, code="too_many_attempts") from None
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class UserAddForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "kind", "phone", "email", "first_name", "last_name")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
