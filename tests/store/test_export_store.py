"""`manage.py export_store <slug> <dir>`: seed 001's files back, a backup `import_store` restores exactly."""
from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from store import services
from store.models import Coupon, Department, Faq, InventoryItem, StaffMember, Store, VoiceTemplate

# Beside the clone (../shared), or beside the folder of worktrees a clone's worktree sits in.
ORIGINAL = next(
    (path for depth in (3, 4) if (path := Path(__file__).resolve().parents[depth] / "shared" / "fixtures" / "ai-call-router-data").is_dir()),
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ai-call-router-data",
)
FILES = {"store_info.json", "settings.json", "departments.json", "inventory.json", "coupons.json",
         "voice_templates.json", "dialogue_templates.json", "staff.json", "faqs.json"}

pytestmark = pytest.mark.skipif(not ORIGINAL.is_dir(), reason=f"seed 001's data files are not at {ORIGINAL}")


def export(slug: str, folder: Path) -> str:
    out = StringIO()
    call_command("export_store", slug, str(folder), stdout=out)
    return out.getvalue()


def import_into(slug: str, folder: Path) -> str:
    out = StringIO()
    call_command("import_store", str(folder), store=slug, stdout=out)
    return out.getvalue()


def read(folder: Path) -> dict[str, Any]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in folder.iterdir()}


def without_ids(files: dict[str, Any]) -> dict[str, Any]:
    return {name: [{k: v for k, v in row.items() if k != "id"} for row in data] if isinstance(data, list) else data
            for name, data in files.items()}


def add(store: Store, model: type, **data: Any):
    return services.save_record(actor=None, store=store, instance=model(), data=data)


def test_writes_the_original_files_with_their_field_names(store, tmp_path):
    import_into("main-street", ORIGINAL)

    output = export("main-street", tmp_path / "backup")

    files = read(tmp_path / "backup")
    assert set(files) == FILES
    original = read(ORIGINAL)
    for name in FILES - {"dialogue_templates.json", "faqs.json"}:  # seed 001 had no FAQ
        rows = files[name] if isinstance(files[name], list) else [files[name]]
        wanted = original[name] if isinstance(original[name], list) else [original[name]]
        assert set().union(*map(set, wanted)) <= set().union(*map(set, rows)), name
    # Dialogue templates come back grouped as the original held them, Spanish included (their
    # text trimmed, as the API trims it).
    trimmed = {category: {key: text.strip() for key, text in texts.items()} for category, texts in original["dialogue_templates.json"].items()}
    assert files["dialogue_templates.json"] == trimmed
    assert [row["name"] for row in files["departments.json"]] == [row["name"] for row in original["departments.json"][:9]] + ["Toys & Games"]
    assert [row["template_type"] for row in files["voice_templates.json"]] == ["greeting", "hold"]
    milk = files["inventory.json"][0]
    assert (milk["department"], milk["price"], milk["created_at"]) == ("Grocery", 3.99, "2025-08-25T17:13:32.776379-04:00")
    assert files["coupons.json"][0]["expires_at"] == "2024-12-31T23:59:59-05:00"
    assert files["staff.json"][1]["phone"] == "" and files["staff.json"][1]["department"] == "Grocery"
    assert files["store_info.json"]["updated_at"] == "2025-08-30T02:25:10.471361-04:00"
    assert files["store_info.json"]["timezone"] == "America/New_York"
    assert "departments.json: 10" in output and "dialogue_templates.json: 52" in output
    assert files["faqs.json"] == []


def test_export_then_import_into_an_empty_store_then_export_gives_the_same_files(store, tmp_path):
    import_into("main-street", ORIGINAL)
    store.refresh_from_db()
    florist = add(store, Department, name="Florist", phone="+15551230000", keywords=["flowers", "bouquet"], is_active=False)
    basil = add(store, InventoryItem, name="Basil", sku="HRB-01", price=Decimal("1.50"), department=florist, aliases=["albahaca"])
    add(store, Coupon, code="HERB5", discount_type="fixed", discount_value=Decimal("5"), department=florist, item=basil)
    add(store, VoiceTemplate, category="voice", template_type="greeting", variation_number=2, text_content="Hi, {store_name} here.")
    add(store, VoiceTemplate, category="pharmacy", template_type="pharmacy_greeting", language="es", text_content="Farmacia, dígame.")
    add(store, VoiceTemplate, category="coupons", template_type="retired", is_active=False, text_content="Old deals.")
    add(store, VoiceTemplate, category="spanish", template_type="odd", text_content="A category named spanish.")
    add(store, StaffMember, name="Pat", role="Florist")
    add(store, Faq, question="Do you deliver flowers?", answer="Yes, the same day.", keywords=["delivery", "send flowers"])
    add(store, Faq, question="Do you do weddings?", answer="Not any more.", is_active=False)
    services.save_record(actor=None, store=store, instance=store, data={
        "opening_hours": {"monday": {"open": "07:00", "close": "22:00"}, "sunday": None},
        "holiday_hours": {"2026-12-25": None}, "transfer_number": "+15551239999", "hold_message": "One moment."})
    services.save_record(actor=None, store=store, instance=services.settings_of(store),
                         data={"voice": "Polly.Lupe", "max_misses": 3, "operator_number": "+15551230001",
                               "outbound_countries": ["US", "CA"], "outbound_daily_limit": 7})
    export("main-street", tmp_path / "first")
    fresh = Store.objects.create(name="Empty", slug="restored", timezone="UTC")

    report = import_into("restored", tmp_path / "first")
    export("restored", tmp_path / "second")

    assert "0 skipped; missing files: none" in report
    assert without_ids(read(tmp_path / "second")) == without_ids(read(tmp_path / "first"))
    fresh.refresh_from_db()
    assert (fresh.name, fresh.timezone, fresh.slug) == ("well well well", "America/New_York", "restored")
    assert VoiceTemplate.objects.filter(store=fresh).count() == VoiceTemplate.objects.filter(store=store).count() == 58
    assert Coupon.objects.get(store=fresh, code="HERB5").item.sku == "HRB-01"
    assert list(Faq.objects.filter(store=fresh).values_list("question", "keywords", "is_active")) == [
        ("Do you deliver flowers?", ["delivery", "send flowers"], True), ("Do you do weddings?", [], False)]
    assert read(tmp_path / "first")["settings.json"]["outbound_countries"] == ["US", "CA"]
    restored = services.settings_of(fresh)
    assert (restored.outbound_countries, restored.outbound_daily_limit) == (["US", "CA"], 7)


def test_another_stores_rows_stay_out(store, other_store, tmp_path):
    import_into("main-street", ORIGINAL)
    add(other_store, Department, name="Fishmonger", phone_extension="101")

    export("main-street", tmp_path / "backup")

    files = read(tmp_path / "backup")
    assert "Fishmonger" not in json.dumps(files)
    assert len(files["departments.json"]) == 10
    assert Department.objects.filter(store=other_store).count() == 1


def test_an_empty_store_exports_empty_files(store, tmp_path):
    export("main-street", tmp_path / "backup")

    files = read(tmp_path / "backup")
    assert set(files) == FILES
    assert files["departments.json"] == [] and files["dialogue_templates.json"] == {}
    assert files["store_info.json"]["name"] == "Main Street Market"


def test_an_unknown_store_is_a_clear_error(store, tmp_path):
    with pytest.raises(CommandError, match="No store with slug 'nowhere' \\(stores: main-street\\)"):
        export("nowhere", tmp_path / "backup")

    assert not (tmp_path / "backup").exists()
