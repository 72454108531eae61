"""`/customers/`: the store's customers found by name or by a number typed in any format, with their
interest level and do-not-call flag; `/customers/<id>/`: one customer with every call and callback.
Owners and admins change a customer (the API's serializer and dashboard.services.save_row); agents read."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods
from rest_framework import serializers

from calls.models import Call, Customer
from dashboard import forms, services
from dashboard.serializers import CustomerSerializer
from dashboard.views.common import add_errors, can_manage, chosen_store, page, staff_required
from store.models import dialable_number

PAGE_SIZE = 50
# A customer page lists this many of their latest calls (the call history has the rest).
CALLS_SHOWN = 200


def number_query(text: str) -> Q | None:
    """Customers whose number is the one typed, however it was typed: "+1 555 999 0001", "(555) 999-0001",
    "555.999.0001" and "5559990001" all find +15559990001 (also a number stored with its own spacing)."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    match = Q(phone__contains=digits)
    try:
        e164 = dialable_number(text)
    except DjangoValidationError:
        return match
    return match | Q(phone=e164) | Q(phone__contains=e164[-10:])


def search_customers(qs: QuerySet[Customer], params: dict[str, Any]) -> QuerySet[Customer]:
    """GET /api/customers's filters, with the number normalised before it is looked for."""
    if params.get("interest_level"):
        qs = qs.filter(interest_level=params["interest_level"])
    if params.get("do_not_call") in ("true", "false"):
        qs = qs.filter(do_not_call=params["do_not_call"] == "true")
    text = (params.get("q") or "").strip()
    if text:
        by_number = number_query(text)
        qs = qs.filter(Q(name__icontains=text) | by_number if by_number is not None else Q(name__icontains=text))
    return qs


@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    form = forms.CustomerSearchForm(request.GET)
    params = form.cleaned_data if form.is_valid() else {}
    rows = Customer.objects.for_user(request.user) if store is None else Customer.objects.in_stores([store.pk])
    rows = search_customers(rows, params).select_related("store").order_by("-created_at", "-id")
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in params.items() if v}
    context = {"form": form, "page_obj": page_obj, "customers": list(page_obj.object_list), "query": urlencode(filters), "filters_on": bool(filters)}
    return page(request, "dashboard/customers.html", context, store=store)


def calls_of(customer: Customer) -> QuerySet[Call]:
    """The customer's calls: the ones they made and the ones the store placed to them."""
    mine = Q(type=Call.Type.INBOUND, caller=customer.phone) | Q(type=Call.Type.OUTBOUND, receiver=customer.phone)
    return Call.objects.filter(mine, store_id=customer.store_id).order_by("-start_time", "-id")


@require_http_methods(["GET", "POST"])
@staff_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = Customer.objects.for_user(request.user).select_related("store").filter(pk=pk).first()
    if customer is None:
        raise Http404("Customer not found")
    form = forms.CustomerForm(request.POST if request.method == "POST" else None, initial=_initial(customer))
    if request.method == "POST":
        if not can_manage(request):
            raise PermissionDenied("Agents read customers; the store's owner changes them.")
        if save_customer(request, form, customer):
            messages.success(request, "Customer saved.")
            return redirect("pages:customer-detail", pk=customer.pk)
        customer.refresh_from_db()
    calls = calls_of(customer)
    context = {
        "customer": customer,
        "form": form,
        "calls": list(calls.select_related("store")[:CALLS_SHOWN]),
        "call_count": calls.count(),
        "callbacks": list(customer.callbacks.select_related("assigned_agent").order_by("-scheduled_at", "-id")),
    }
    return page(request, "dashboard/customer_detail.html", context, store=chosen_store(request), status=400 if form.is_bound else 200)


def _initial(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in forms.CustomerForm.base_fields}


def save_customer(request: HttpRequest, form: forms.CustomerForm, customer: Customer) -> bool:
    """Every field is checked in one pass: the form's own checks and the API serializer's, errors shown together."""
    form_ok = form.is_valid()
    data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
    serializer = CustomerSerializer(customer, data=data, partial=True, context={"request": request, "store": customer.store})
    if not serializer.is_valid():
        add_errors(form, serializers.ValidationError({k: v for k, v in serializer.errors.items() if k not in form.errors}))
        return False
    if not form_ok:
        return False
    services.save_row(instance=customer, data=serializer.validated_data)
    return True
