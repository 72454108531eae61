"""`/store/...`: the store's info and opening hours, and its departments, inventory, coupons, voice templates,
staff and FAQ. Every change goes through the API's serializers and store.services.save_record (audited);
agents read, admins and owners write."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import serializers

from callcenter.validation import validated
from dashboard import forms
from dashboard.templatetags.moments import moment
from dashboard.views.common import add_errors, can_manage, page, staff_required, working_store
from store import hours as store_hours
from store import services
from store.api import search_inventory
from store.models import TEMPLATE_PLACEHOLDERS, Coupon, Department, Faq, InventoryItem, StaffMember, Store, VoiceTemplate
from store.placeholders import fill, placeholders_in
from store.tenancy import visible_stores
from store.serializers import (
    CouponSerializer,
    DepartmentSerializer,
    FaqSerializer,
    InventoryItemSerializer,
    StaffMemberSerializer,
    StoreInfoSerializer,
    VoiceTemplateSerializer,
)
from voice import dialogue

INVENTORY_PAGE = 50
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """One kind of store row and how its pages show it."""

    slug: str
    model: type[models.Model]
    serializer: type[serializers.Serializer]
    form: type[forms.ApiForm]
    label: str
    plural: str
    # (header, attribute) shown in the list
    columns: tuple[tuple[str, str], ...]
    related: tuple[str, ...] = ()
    uses_departments: bool = False
    page_size: int = 200
    searchable: bool = False
    help: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def noun(self) -> str:
        """The label inside a sentence: "department", but "FAQ" stays as it is."""
        return self.label if self.label.isupper() else self.label.lower()

    @property
    def plural_noun(self) -> str:
        return self.plural if self.plural.isupper() else self.plural.lower()


KINDS = {
    kind.slug: kind
    for kind in (
        Kind("departments", Department, DepartmentSerializer, forms.DepartmentForm, "Department", "Departments",
             (("Name", "name"), ("Extension", "phone_extension"), ("Phone", "phone"), ("Keywords", "keywords"), ("Active", "is_active")),
             help="Callers reach a department by its name, a keyword or its extension; changes are heard on the next call."),
        Kind("inventory", InventoryItem, InventoryItemSerializer, forms.InventoryItemForm, "Item", "Inventory",
             (("Name", "name"), ("SKU", "sku"), ("Department", "department"), ("Price", "price"), ("In stock", "stock_quantity"), ("Location", "location"), ("Active", "is_active")),
             related=("department",), uses_departments=True, page_size=INVENTORY_PAGE, searchable=True,
             help="What the agent answers price, stock and aisle questions from."),
        Kind("coupons", Coupon, CouponSerializer, forms.CouponForm, "Coupon", "Coupons",
             (("Code", "code"), ("Description", "description"), ("Discount", "discount"), ("Department", "department"), ("Expires", "expires_at"), ("Active", "is_active")),
             related=("department", "item"), uses_departments=True, help="Active, unexpired coupons are read out when a caller asks for deals."),
        Kind("templates", VoiceTemplate, VoiceTemplateSerializer, forms.VoiceTemplateForm, "Voice template", "Voice templates",
             (("Prompt", "template_type"), ("Category", "category"), ("Language", "language"), ("Variation", "variation_number"), ("Text", "text_content"), ("Active", "is_active")),
             help="What the agent says; several variations of one prompt take turns."),
        Kind("staff", StaffMember, StaffMemberSerializer, forms.StaffMemberForm, "Staff member", "Staff",
             (("Name", "name"), ("Role", "role"), ("Department", "department"), ("Email", "email"), ("Phone", "phone"), ("Active", "is_active")),
             related=("department",), uses_departments=True),
        Kind("faqs", Faq, FaqSerializer, forms.FaqForm, "FAQ", "FAQ",
             (("Question", "question"), ("Answer", "answer"), ("Keywords", "keywords"), ("Active", "is_active")),
             help="Questions callers ask (returns, delivery, parking...): the agent speaks the answer of the active one that matches best."),
    )
}  # fmt: skip
STORE_TABS = [("info", "Info & hours")] + [(kind.slug, kind.plural) for kind in KINDS.values()]

# What a template preview fills the placeholders with, beyond the store's own details.
SAMPLE_VALUES = {
    "item_name": "Organic Milk", "item": "Organic Milk", "price": "$4.99", "stock_quantity": "12", "location": "Aisle 3",
    "department": "Bakery", "extension": "104", "coupon_code": "FRESH10", "discount": "10%",
    "coupons": "10% off produce with code FRESH10", "caller_name": "Sam", "medication": "your prescription", "pharmacy": "Main Street Pharmacy",
}  # fmt: skip


# The placeholders a saved template's preview fills with sample values (the rest are the store's own;
# "What a caller hears now" shows the agent's real answers, today's coupons included).
SAMPLED = frozenset(SAMPLE_VALUES)


def sample_values(store: Store) -> dict[str, str]:
    # {hours} as the agent speaks it: built from the table (store/hours.py), the free text only without one.
    return {**SAMPLE_VALUES, "store_name": store.name, "store_phone": store.phone, "address": store.address, "hours": store_hours.week_text(store)}


def preview(text: str, values: dict[str, str]) -> str:
    """The template as a caller would hear it, with sample values (the voice agent's own substitution)."""
    return fill(text, values).strip()


# What callers ask most, and which prompts answer it: the templates page shows the agent's own answer.
QUESTIONS = (
    ("What are your hours?", "hours"),
    ("Are you open now?", "open_now, closed_now"),
    ("Do you have any deals?", "deals, no_deals"),
    ("Where are you?", "address"),
)


def heard_now(store: Store, now: datetime) -> list[dict[str, str]]:
    """What a caller hears right now: the greeting and the answers to common questions, from the voice
    agent itself (voice.dialogue: the same templates, the hours table, the coupons it reads today)."""
    heard = [{"question": "(the call is answered)", "prompts": "greeting", "answer": dialogue.greeting(store, language=store.language)}]
    for question, prompts in QUESTIONS:
        try:
            answer = dialogue.respond(store, dialogue.Turn(speech=question, language=store.language), now=now).say
        except Exception:  # the page stays usable; the failure is logged with its traceback
            logger.exception("store %s: the voice agent could not answer %r for the preview", store.pk, question)
            answer = "(the voice agent could not answer this; see the server log)"
        heard.append({"question": question, "prompts": prompts, "answer": answer})
    return heard


def store_context(store: Store, tab: str) -> dict[str, Any]:
    return {"tabs": STORE_TABS, "tab": tab, "working_store": store}


@staff_required
def store_home(request: HttpRequest) -> HttpResponse:
    return redirect("pages:store-info")


@require_http_methods(["GET", "POST"])
@staff_required
def store_info(request: HttpRequest) -> HttpResponse:
    """The store's info and weekly opening hours (PUT /api/store-info's rules)."""
    store = working_store(request)
    if request.method == "POST":
        require_manager(request)
        form = forms.StoreInfoForm(request.POST)
        if save(form, request, store, StoreInfoSerializer, store):
            messages.success(request, "Store information updated.")
            return redirect(f"{request.path}?store={store.slug}")
        messages.error(request, "The store information was not saved: see the errors below.")
        store.refresh_from_db()  # save() set the refused values on it; the page shows the store as it is
    else:
        form = forms.StoreInfoForm(initial=forms.StoreInfoForm.initial_from(StoreInfoSerializer(store).data))
    context = {"form": form, **store_context(store, "info")}
    return page(request, "dashboard/store_info.html", context, store=store, all_stores=False, status=400 if form.errors else 200)


def require_manager(request: HttpRequest) -> None:
    if not can_manage(request):
        raise PermissionDenied("Your role may read this store's data but not change it.")


def save(form: forms.ApiForm, request: HttpRequest, store: Store, serializer: type[serializers.Serializer],
         instance: models.Model, **context: Any) -> models.Model | None:
    """Validate the form's values as the API does, then save them through the audited service; None on errors.

    The serializer checks what the form could read even when the form refused a field (a name too long),
    so a duplicate SKU shows beside it in the same answer."""
    form_ok = form.is_valid()
    try:
        data = validated(serializer, form.api_data(), tz=store.tzinfo, instance=instance, partial=True, context={"store": store, **context}).validated_data
        if not form_ok:
            return None
        return services.save_record(actor=request.user, store=store, instance=instance, data=data)
    except (serializers.ValidationError, DjangoValidationError) as exc:
        add_errors(form, exc)
        return None


def get_kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such store page")
    return KINDS[slug]


def make_form(kind: Kind, store: Store, *args: Any, row: models.Model | None = None, **kwargs: Any) -> forms.ApiForm:
    """The kind's form, its date-times in the store's zone (`row`: the row it changes)."""
    if kind.uses_departments:
        kwargs["departments"] = list(Department.objects.filter(store=store).values_list("name", flat=True))
    if row is not None and not args:
        kwargs["initial"] = kind.form.initial_from(kind.serializer(row, context={"store": store}).data, tz=store.tzinfo)
    return kind.form(*args, tz=store.tzinfo, current=row, **kwargs)


def new_row_initial(kind: Kind) -> dict[str, Any]:
    """A new row starts active, as the API's defaults make it."""
    initial: dict[str, Any] = {"is_active": True}
    if kind.model is VoiceTemplate:
        initial.update(category="voice", language="en", variation_number=1)
    return initial


@require_http_methods(["GET", "POST"])
@staff_required
def rows(request: HttpRequest, kind_slug: str) -> HttpResponse:
    """A list of one kind of row (searchable and paged for inventory) and a form to add one."""
    kind = get_kind(kind_slug)
    store = working_store(request)
    if request.method == "POST":
        require_manager(request)
        form = make_form(kind, store, request.POST)
        if (row := save(form, request, store, kind.serializer, kind.model())) is not None:
            messages.success(request, f"{kind.label} {row} added.")
            # The new row heads the list, wherever its place in the order (page 40 of the inventory).
            return redirect(f"{request.path}?store={store.slug}&added={row.pk}")
        messages.error(request, f"The {kind.noun} was not added: see the errors below.")
    else:
        form = make_form(kind, store, initial=new_row_initial(kind))
    listing = kind.model.objects.filter(store=store).select_related(*kind.related)
    query = request.GET.get("q", "").strip() if kind.searchable else ""
    if query:
        listing = search_inventory(listing, store=store, q=query)
    paginator = Paginator(listing.order_by(*kind.model._meta.ordering), kind.page_size)
    page_obj = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    shown = [row_cells(kind, row, sample_values(store), store=store, now=now) for row in page_obj.object_list]
    added = just_added(kind, store, request.GET.get("added", ""))
    if added is not None:
        shown = [{**row_cells(kind, added, sample_values(store), store=store, now=now), "added": True}] + [r for r in shown if r["pk"] != added.pk]
    context = {
        "kind": kind,
        "form": form,
        "page_obj": page_obj,
        "rows": shown,
        "query": query,
        "placeholders": TEMPLATE_PLACEHOLDERS if kind.model is VoiceTemplate else None,
        "samples": sample_values(store),
        "heard": heard_now(store, now) if kind.model is VoiceTemplate else None,
        **store_context(store, kind.slug),
    }
    return page(request, "dashboard/store_rows.html", context, store=store, all_stores=False, status=400 if form.errors else 200)


def just_added(kind: Kind, store: Store, pk: str) -> models.Model | None:
    """The row just added (?added=<id>), when it is this store's."""
    if not pk.isdigit():
        return None
    return kind.model.objects.filter(store=store, pk=int(pk)).select_related(*kind.related).first()


@dataclass(frozen=True)
class Badge:
    """A cell shown as a badge (an expired coupon is "expired", not "yes")."""

    text: str
    css: str = "muted-badge"


def row_cells(kind: Kind, row: models.Model, samples: dict[str, str], *, store: Store | None = None, now: datetime | None = None) -> dict[str, Any]:
    cells = []
    for header, attribute in kind.columns:
        if attribute == "answer":  # the list shows its start; the row's page, all of it
            value: Any = Truncator(row.answer).chars(140)
        elif attribute == "discount":
            value = f"{row.discount_value:g}%" if row.discount_type == Coupon.DiscountType.PERCENTAGE else f"${row.discount_value}"
        elif attribute == "is_active" and isinstance(row, Coupon) and row.is_active and not row.is_valid_at(now or timezone.now()):
            value = Badge("expired", "warn")  # the agent no longer reads it out
        else:
            value = getattr(row, attribute)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, datetime):
                value = moment(value, store)
        cells.append((header, value))
    extra = {"preview": preview(row.text_content, samples), "sampled": bool(placeholders_in(row.text_content) & SAMPLED)} if kind.model is VoiceTemplate else {}
    return {"pk": row.pk, "label": str(row), "cells": cells, **extra}


def get_row(request: HttpRequest, kind: Kind, pk: int) -> tuple[models.Model, Store]:
    """A row of a store the user may see (404 otherwise, whichever store is picked)."""
    row = kind.model.objects.filter(pk=pk, store__in=visible_stores(request.user)).select_related("store", *kind.related).first()
    if row is None:
        raise Http404(f"{kind.label} not found")
    return row, row.store


@require_http_methods(["GET", "POST"])
@staff_required
def row_detail(request: HttpRequest, kind_slug: str, pk: int) -> HttpResponse:
    """One row: its form, filled in; POST changes it."""
    kind = get_kind(kind_slug)
    row, store = get_row(request, kind, pk)
    if request.method == "POST":
        require_manager(request)
        form = make_form(kind, store, request.POST, row=row)
        if save(form, request, store, kind.serializer, row) is not None:
            messages.success(request, f"{kind.label} {row} saved.")
            return redirect(f"/store/{kind.slug}/?store={store.slug}")
        messages.error(request, f"The {kind.noun} was not saved: see the errors below.")
        row.refresh_from_db()  # as stored: save() set the refused values on it
    else:
        form = make_form(kind, store, row=row)
    context = {
        "kind": kind,
        "form": form,
        "row": row,
        "placeholders": TEMPLATE_PLACEHOLDERS if kind.model is VoiceTemplate else None,
        "samples": sample_values(store),
        **store_context(store, kind.slug),
    }
    return page(request, "dashboard/store_row.html", context, store=store, all_stores=False, status=400 if form.errors else 200)


@require_POST
@staff_required
def row_delete(request: HttpRequest, kind_slug: str, pk: int) -> HttpResponse:
    kind = get_kind(kind_slug)
    require_manager(request)
    row, store = get_row(request, kind, pk)
    label = str(row)
    services.delete_record(actor=request.user, store=store, instance=row)
    messages.success(request, f"{kind.label} {label} deleted.")
    return redirect(f"/store/{kind.slug}/?store={store.slug}")
