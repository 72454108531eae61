"""What the demo stores sell and say: store info, departments, products, coupons, voice templates, staff,
voice settings and FAQs, as plain data. No database here: `seed_demo` writes what `catalogue_for` returns.

Each store's tables live in their own module (`grocer`, `cafe`), its FAQ beside it (`grocer_faqs.json`). Products are compact rows, a name
pattern times its options ("{} Milk (Gallon)" x "Whole|2%|Skim"); prices and stock come from a random
generator seeded by each item's name, so every run on every machine yields the same items, and a row
added to a table changes no other item.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import zlib
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from types import ModuleType

from dashboard.demo_catalogue import cafe, grocer

STORES: dict[str, ModuleType] = {"demo-store": grocer, "corner-cafe": cafe}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Catalogue:
    """Everything one demo store gets, each list keyed the way `seed_demo` finds what already exists."""

    info: dict  # Store fields
    departments: list[dict]  # by name
    items: list[dict]  # by sku; `department` is a department's name
    coupons: list[dict]  # by code; `department` a department's name, `item` an item's sku
    templates: list[dict]  # by (category, template_type, language, variation_number)
    staff: list[dict]  # by email; `department` a department's name
    settings: dict  # StoreSettings fields
    faqs: list[dict] = field(default_factory=list)  # by question


def faqs_of(module: ModuleType) -> list[dict]:
    """The store's FAQ, from the JSON file beside its module (`grocer_faqs.json`); none without one."""
    path = Path(module.__file__).with_name(f"{module.__name__.rsplit('.', 1)[-1]}_faqs.json")
    if not path.exists():
        return []
    return [{name: row[name] for name in ("question", "answer", "keywords", "is_active")} for row in json.loads(path.read_text(encoding="utf-8"))]


def _price(base: float, option: str, index: int, rng: random.Random) -> Decimal:
    """The first option keeps the table's price; the others vary around it, ending in 9 as shop prices do."""
    if index == 0:
        return Decimal(str(base)).quantize(CENT)
    value = Decimal(str(base * (1.3 if "Organic" in option else 1) * rng.uniform(0.85, 1.25)))
    return max(Decimal("0.49"), value.quantize(Decimal("0.1"), rounding=ROUND_DOWN) + Decimal("0.09"))


def _stock(rng: random.Random) -> int:
    # About 7% sold out and 8% low (under 5), so the voice agent has every kind of answer to give.
    draw = rng.random()
    if draw < 0.07:
        return 0
    if draw < 0.15:
        return rng.randint(1, 4)
    return rng.randint(6, 150)


def _sku(department: str, name: str) -> str:
    # From the name, not the position, so a row added to a table leaves every other SKU as it was.
    prefix = "".join(ch for ch in department.upper() if ch.isalpha())[:3]
    return f"{prefix}-{zlib.crc32(name.encode()) % 90000 + 10000}"


def build_items(products: dict, *, seed: str, pinned: dict[str, int]) -> list[dict]:
    """Expand product tables into item rows: name, sku, department, price, stock_quantity, location, aliases."""
    items: list[dict] = []
    for department, groups in products.items():
        for location, rows in groups:
            for pattern, price, options, aliases in rows:
                for index, option in enumerate(options.split("|") if options else [""]):
                    name = pattern.format(option) if options else pattern
                    rng = random.Random(f"{seed}:{name}")
                    items.append({
                        "name": name,
                        "sku": _sku(department, name),
                        "department": department,
                        "price": _price(price, option, index, rng),
                        "stock_quantity": pinned.get(name, _stock(rng)),
                        "location": location,
                        "aliases": aliases.split("|") if aliases else [],
                    })
    names, skus = [item["name"] for item in items], [item["sku"] for item in items]
    if len(set(names)) != len(names) or len(set(skus)) != len(skus):
        raise ValueError(f"Two products of the {seed} catalogue share a name or a SKU.")
    return items


def _holidays(holidays: dict, today: dt.date) -> dict:
    """Each (month, day) dated on its next occurrence, keyed as Store.holiday_hours is."""
    dated = {}
    for (month, day), span in holidays.items():
        when = dt.date(today.year, month, day)
        dated[(when if when >= today else when.replace(year=today.year + 1)).isoformat()] = span
    return dict(sorted(dated.items()))


def _coupons(rows: list[tuple], items: list[dict], *, today: dt.date, tz: zoneinfo.ZoneInfo) -> list[dict]:
    sku_of = {item["name"]: item["sku"] for item in items}
    # A coupon runs to the end of its last day in the store's time zone.
    last_second = dt.datetime.combine(today, dt.time(23, 59, 59), tz)
    return [
        {
            "code": code, "description": description, "discount_type": kind, "discount_value": Decimal(value).quantize(CENT),
            "department": department, "item": sku_of[item] if item else None, "is_store_wide": store_wide,
            "is_active": active, "expires_at": None if days is None else last_second + dt.timedelta(days=days),
        }
        for code, description, kind, value, department, item, store_wide, active, days in rows
    ]


def catalogue_for(slug: str, *, now: dt.datetime, tz: str) -> Catalogue | None:
    """The demo catalogue of one demo store, dated from `now` in its time zone; None for any other store."""
    data = STORES.get(slug)
    if data is None:
        return None
    zone = zoneinfo.ZoneInfo(tz)
    today = now.astimezone(zone).date()
    items = build_items(data.PRODUCTS, seed=slug, pinned=data.PINNED_STOCK)
    return Catalogue(
        info={**data.INFO, "holiday_hours": _holidays(data.HOLIDAYS, today)},
        departments=[
            {"name": name, "phone_extension": ext, "phone": phone, "description": description, "keywords": keywords.split("|")}
            for name, ext, phone, description, keywords in data.DEPARTMENTS
        ],
        items=items,
        coupons=_coupons(data.COUPONS, items, today=today, tz=zone),
        templates=[
            {"category": "voice", "template_type": kind, "language": language, "variation_number": n, "text_content": text}
            for kind, language, n, text in data.TEMPLATES
        ],
        staff=[
            {"name": name, "role": role, "department": department, "email": f"{local}@{data.EMAIL_DOMAIN}", "phone": phone}
            for name, role, department, local, phone in data.STAFF
        ],
        settings=data.SETTINGS,
        faqs=faqs_of(data),
    )
