import datetime

from django import forms
from django.utils import timezone

from lodestar.forms import VersionedFormMixin, VersionField

from .models import Product, Role, TokenScope


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"description": "One or two sentences: who it is for and what it does."}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A product needs a name.")
        return name


class ProductSettingsForm(VersionedFormMixin, ProductForm):
    merge_fields = ("name", "description")


class MemberAddForm(forms.Form):
    user = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "e.g. dana@example.com"}
        ),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    version = VersionField()


class ConfirmVersionForm(forms.Form):
    version = VersionField()


EXPIRY_CHOICES = [
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("never", "Never"),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “CI release sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        empty_label="All my products",
        help_text="Limit the token to one product; it will see nothing of the others.",
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires")

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name you will recognise later.")
        return name

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data["expires_in"]
        return None if days == "never" else timezone.now() + datetime.timedelta(days=int(days))
