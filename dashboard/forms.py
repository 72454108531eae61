"""The pages' forms. They render fields and shape what was typed (text to lists, blanks to null);
the rules are the API's: the views pass `api_data()` through the same serializers and services,
so an error names the same field and says the same thing as the API would."""
from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from functools import cache
from typing import Any

from django import forms

from callcenter.models import User
from calls.models import AgentProfile, Call, Customer, ScheduledCallback
from store.models import WEEKDAYS, Coupon, Department

SORTED_HELP = "Separate words with commas."


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


def words(text: str) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']"""
    return [word.strip() for word in (text or "").split(",") if word.strip()]


class PageForm(forms.Form):
    """Labels without Django's trailing colon: a screen reader reads "Status", not "Status colon"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ApiForm(PageForm):
    """A form whose values are checked by an API serializer: fields are text, the serializer converts.

    Date-times are typed in the store's zone `tz` (a datetime-local input has none): shown in it, read
    in it, and the value shown for the row's `current` moment, sent back unchanged, is that moment
    itself, so saving a form twice moves nothing."""

    list_fields: tuple[str, ...] = ()
    # Blank means "none" for these (a department or item reference, a date).
    null_fields: tuple[str, ...] = ()
    datetime_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo | None = None, current: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz, self.current = tz, current

    def api_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in self.list_fields:
                value = words(value)
            elif name in self.datetime_fields and value and self.tz is not None and self.current is not None:
                moment = getattr(self.current, name, None)
                if moment is not None and value == local_value(moment, self.tz):
                    value = moment
            if name in self.null_fields and value in ("", None):
                value = None
            data[name] = value
        return data

    @classmethod
    def initial_from(cls, representation: dict[str, Any], *, tz: zoneinfo.ZoneInfo | None = None) -> dict[str, Any]:
        """A serializer's representation of a row as the form's initial values (date-times in `tz`)."""
        initial = {}
        for name in cls.base_fields:
            value = representation.get(name)
            if name in cls.list_fields and isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d.*", value):
                moment = datetime.fromisoformat(value)
                # as a datetime-local input wants it, in the store's zone
                value = local_value(moment, tz) if tz is not None and moment.tzinfo is not None else value[:16]
            initial[name] = "" if value is None else value
        return initial


def text(label: str, *, max_length: int | None = None, help_text: str = "", input_type: str = "text", **attrs: Any) -> forms.CharField:
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_type
    return forms.CharField(label=label, required=False, max_length=max_length, help_text=help_text, widget=widget, strip=True)


def area(label: str, *, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))


def flag(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class DateInput(forms.TextInput):
    input_type = "date"


class LoginForm(PageForm):
    username = forms.CharField(label="Username or email", max_length=254, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CallFilterForm(PageForm):
    """The history page's filters: the names are GET /api/calls's, so the CSV link reuses the query string."""

    search = forms.CharField(label="Search", required=False, widget=forms.TextInput(attrs={"placeholder": "Number or call ID", "inputmode": "search"}))
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Call.Status.choices])
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *Call.Type.choices])
    language = forms.CharField(label="Language", required=False, max_length=12, widget=forms.TextInput(attrs={"placeholder": "en, hi, mixed…", "list": "languages"}))
    startDate = forms.CharField(label="From", required=False, widget=DateInput())
    endDate = forms.CharField(label="To", required=False, widget=DateInput())


class StoreInfoForm(ApiForm):
    name = text("Store name", max_length=200)
    phone = text("Phone", input_type="tel")
    address = text("Address", max_length=300)
    hours = text("Hours as spoken", help_text="What the agent says, e.g. 7 AM - 10 PM.")
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    transfer_number = text("Transfer number", input_type="tel", help_text="The store's own line; a department's extension is dialled after it.")
    greeting_message = area("Greeting", help_text="The first thing a caller hears. Leave empty for the greeting template.")
    hold_message = area("Hold message")
    holiday_hours = area("Holiday hours", rows=3, help_text="One date a line: 2026-12-25 closed, or 2026-12-24 08:00-14:00.")
    holiday_note = area("Holiday note", rows=2, help_text="Said to callers who ask about holidays, e.g. Closed on Christmas Day.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Opening hours: an open and a close time for each weekday; both empty means closed.
        for day in WEEKDAYS:
            self.fields[f"{day}_open"] = text(f"{day.title()} opens", input_type="time")
            self.fields[f"{day}_close"] = text(f"{day.title()} closes", input_type="time")

    def weekday_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(day.title(), self[f"{day}_open"], self[f"{day}_close"]) for day in WEEKDAYS]

    def api_data(self) -> dict[str, Any]:
        # A field the form refused is left out: the serializer checks the others in the same answer.
        data = {name: self.cleaned_data[name] for name in ("name", "phone", "address", "hours", "timezone", "transfer_number", "greeting_message", "hold_message", "holiday_note") if name in self.cleaned_data}
        data["opening_hours"] = {}
        for day in WEEKDAYS:
            opens, closes = self.cleaned_data.get(f"{day}_open", ""), self.cleaned_data.get(f"{day}_close", "")
            # Half a span is sent as it is: the model's validator names the day that is wrong.
            data["opening_hours"][day] = {"open": opens, "close": closes} if opens or closes else None
        data["holiday_hours"] = parse_holidays(self.cleaned_data.get("holiday_hours", ""))
        return data

    @classmethod
    def initial_from(cls, representation: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        initial = {name: representation.get(name) or "" for name in cls.base_fields if name != "holiday_hours"}
        for day in WEEKDAYS:
            span = (representation.get("opening_hours") or {}).get(day) or {}
            initial[f"{day}_open"], initial[f"{day}_close"] = span.get("open", ""), span.get("close", "")
        holidays = representation.get("holiday_hours") or {}
        initial["holiday_hours"] = "\n".join(
            f"{day} {'closed' if not span else span.get('open', '') + '-' + span.get('close', '')}" for day, span in sorted(holidays.items())
        )
        return initial


def parse_holidays(text_value: str) -> dict[str, Any]:
    """'2026-12-25 closed' lines into the API's {date: null | {open, close}}; a line that is neither is kept
    as a date the API's validator refuses, naming the field (text would be taken as the holiday note)."""
    out: dict[str, Any] = {}
    for line in (text_value or "").splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"\s*(\S+)\s+(?:(closed)|(\d\d?:\d\d)\s*-\s*(\d\d?:\d\d))\s*", line, flags=re.IGNORECASE)
        if match is None:
            return {line.strip(): line.strip()}
        day, closed, opens, closes = match.groups()
        out[day] = None if closed else {"open": opens.zfill(5), "close": closes.zfill(5)}
    return out


class DepartmentForm(ApiForm):
    list_fields = ("keywords",)

    name = text("Name", max_length=100)
    phone_extension = text("Extension", help_text="1 to 8 digits, dialled after the store's transfer number.", inputmode="numeric")
    phone = text("Direct phone", input_type="tel", help_text="Optional; E.164, e.g. +15551234567.")
    description = area("Description", rows=2)
    keywords = text("Keywords", help_text="Words callers use for it. " + SORTED_HELP)
    is_active = flag("Active")


class InventoryItemForm(ApiForm):
    list_fields = ("aliases",)
    null_fields = ("department",)

    name = text("Name", max_length=200)
    sku = text("SKU", max_length=64)
    department = forms.ChoiceField(label="Department", required=False)
    price = text("Price", input_type="number", step="0.01", min="0")
    stock_quantity = text("In stock", input_type="number", min="0", step="1")
    location = text("Location", max_length=100, help_text="Where it is, e.g. Aisle 3.")
    aliases = text("Aliases", help_text="Other names callers use. " + SORTED_HELP)
    is_active = flag("Active")

    def __init__(self, *args: Any, departments: list[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "None")] + [(name, name) for name in departments]


class CouponForm(ApiForm):
    null_fields = ("department", "item", "expires_at")
    datetime_fields = ("expires_at",)

    code = text("Code", max_length=40)
    description = text("Description", max_length=300)
    discount_type = forms.ChoiceField(label="Discount type", choices=Coupon.DiscountType.choices)
    discount_value = text("Discount", input_type="number", step="0.01", min="0", help_text="Percent (0-100) or an amount.")
    department = forms.ChoiceField(label="Department", required=False)
    item = text("Item SKU", help_text="Optional: the one item the coupon is for.")
    is_store_wide = flag("Store-wide")
    is_active = flag("Active")
    expires_at = text("Expires", input_type="datetime-local", help_text="In the store's time zone; empty for never.")

    def __init__(self, *args: Any, departments: list[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "None")] + [(name, name) for name in departments]


class VoiceTemplateForm(ApiForm):
    category = text("Category", max_length=40, help_text="voice for the agent's own prompts.")
    template_type = text("Prompt", max_length=60, help_text="e.g. greeting, goodbye, product, transfer_department.")
    language = text("Language", max_length=10)
    text_content = area("Text", rows=3, help_text="Placeholders in braces, e.g. {store_name}, {item_name}, {price}.")
    variation_number = text("Variation", input_type="number", min="1", max="99")
    is_active = flag("Active")


class StaffMemberForm(ApiForm):
    null_fields = ("department",)

    name = text("Name", max_length=200)
    email = text("Email", input_type="email")
    phone = text("Phone", input_type="tel")
    department = forms.ChoiceField(label="Department", required=False)
    role = text("Role", max_length=60)
    is_active = flag("Active")

    def __init__(self, *args: Any, departments: list[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "None")] + [(name, name) for name in departments]


class FaqForm(ApiForm):
    list_fields = ("keywords",)

    question = text("Question", max_length=300, help_text="As a caller would ask it, e.g. Do you deliver?")
    answer = area("Answer", rows=4, help_text="What the agent says, as it should be spoken.")
    keywords = text("Keywords", help_text="Words and phrases callers use for it, e.g. delivery, bring it to my house. " + SORTED_HELP)
    is_active = flag("Active")


class VoiceSettingsForm(ApiForm):
    list_fields = ("outbound_countries",)

    voice = text("Voice", max_length=60, help_text="Twilio <Say> voice, e.g. Polly.Joanna.")
    language = text("Language", max_length=10, help_text="e.g. en-US, es-MX, hi-IN.")
    speech_timeout = text("Silence before a miss (seconds)", input_type="number", min="1", max="30")
    max_call_length = text("Longest call (seconds)", input_type="number", min="30", max="14400")
    max_misses = text("Misses before the operator", input_type="number", min="1", max="10")
    operator_number = text("Operator number", input_type="tel", help_text="Where callers go after repeated misses.")
    recording_enabled = flag("Record calls")
    ai_model = text("AI model", max_length=60)
    outbound_countries = text("Countries outbound calls may go to", help_text="Country codes, e.g. US, CA. Empty: the country of the store's first Twilio number. Premium-rate and shared-cost numbers are never called. " + SORTED_HELP)
    outbound_daily_limit = text("Outbound calls a day", input_type="number", min="0", max="10000", help_text="Every way of placing a call counts; 0: none.")


class UserForm(ApiForm):
    """Fields named as POST /api/users names them (camelCase)."""

    username = text("Username", max_length=150, autocomplete="off")
    email = text("Email", input_type="email")
    firstName = text("First name", max_length=150)
    lastName = text("Last name", max_length=150)
    password = forms.CharField(label="Password", required=False, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), help_text="At least 8 characters. Leave empty to keep the current one.")
    role = forms.ChoiceField(label="Role", choices=User.Role.choices)
    stores = forms.MultipleChoiceField(label="Stores", required=False, widget=forms.SelectMultiple(attrs={"size": 4}), help_text="An owner's stores, or the one store an agent works in.")
    isActive = flag("Active")

    def __init__(self, *args: Any, stores: list[tuple[str, str]] = (), roles: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stores"].choices = list(stores)
        if roles is not None:
            self.fields["role"].choices = [(value, label) for value, label in User.Role.choices if value in roles]

    def api_data(self) -> dict[str, Any]:
        data = super().api_data()
        if not data.get("password"):
            data.pop("password", None)
        return data


class ApiKeyForm(PageForm):
    name = forms.CharField(label="Name", max_length=100, help_text="What the key is for, e.g. the phone bot.")



# --- date-times typed in a store's zone (a datetime-local input has no zone) ----------------------

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def local_value(moment: datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """What a datetime-local input shows for `moment` in `tz` (seconds only when there are some)."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def parse_local(text: str, tz: zoneinfo.ZoneInfo, *, current: datetime | None = None) -> datetime:
    """The moment a datetime-local value means in `tz`. The value shown for `current`, sent back
    unchanged, is `current` itself (to the microsecond): saving a form twice moves nothing."""
    text = (text or "").strip()
    if current is not None and text == local_value(current, tz):
        return current
    for pattern in LOCAL_FORMATS:
        try:
            naive = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz)
    raise ValueError("Enter a date and time, e.g. 2026-12-31T23:59.")


# --- the business pages' forms --------------------------------------------------------------------


class CallbackFilterForm(PageForm):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any")] + list(ScheduledCallback.Status.choices))
    priority = forms.ChoiceField(label="Priority", required=False, choices=[("", "Any")] + list(ScheduledCallback.Priority.choices))
    assigned = forms.ChoiceField(label="Assigned", required=False, choices=[("", "Anyone"), ("me", "To me")])
    overdue = forms.ChoiceField(label="Overdue", required=False, choices=[("", "Any time"), ("true", "Overdue only")])


class CallbackAssignForm(PageForm):
    assigned_agent = forms.ChoiceField(label="Agent", required=False)

    def __init__(self, *args: Any, agents: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_agent"].choices = [("", "Nobody")] + list(agents)


class CallbackRescheduleForm(PageForm):
    scheduled_at = text("When", input_type="datetime-local", help_text="In the store's time zone.")


class CallbackCompleteForm(PageForm):
    notes = area("Note", rows=3, help_text="What was said or agreed; kept with the callback.")


class CustomerSearchForm(PageForm):
    q = text("Name or number", input_type="search", max_length=100)
    interest_level = forms.ChoiceField(label="Interest", required=False, choices=[("", "Any")] + list(Customer.Interest.choices))
    do_not_call = forms.ChoiceField(label="Do not call", required=False, choices=[("", "Any"), ("true", "Do not call"), ("false", "May be called")])


class CustomerForm(PageForm):
    name = text("Name", max_length=200)
    email = text("Email", input_type="email")
    interest_level = forms.ChoiceField(label="Interest", choices=Customer.Interest.choices)
    do_not_call = flag("Do not call")
    notes = area("Notes", rows=3)


class AgentStatusForm(PageForm):
    status = forms.ChoiceField(label="My status", choices=AgentProfile.Status.choices)


class ProfileForm(PageForm):
    firstName = text("First name", max_length=150, autocomplete="given-name")
    lastName = text("Last name", max_length=150, autocomplete="family-name")
    email = text("Email", input_type="email", autocomplete="email")
