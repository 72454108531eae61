"""`manage.py import_store <dir> --store <slug>`: loads seed 001's data/ folder as it is, quirks
included, through the API's validation and the audited services; safe to run twice."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import zoneinfo
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from store import services, transfer
from store.models import AuditEntry, Coupon, Department, InventoryItem, InventoryWord, StaffMember, Store, VoiceTemplate

# Beside the clone (../shared), or beside the folder of worktrees a clone's worktree sits in.
ORIGINAL = next(
    (path for depth in (3, 4) if (path := Path(__file__).resolve().parents[depth] / "shared" / "fixtures" / "ai-call-router-data").is_dir()),
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ai-call-router-data",
)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
STORE_ROWS = (Department, InventoryItem, Coupon, VoiceTemplate, StaffMember)

pytestmark = pytest.mark.skipif(not ORIGINAL.is_dir(), reason=f"seed 001's data files are not at {ORIGINAL}")


def run_import(folder: Path, *args: str, **options) -> str:
    out = StringIO()
    call_command("import_store", str(folder), *args, stdout=out, **options)
    return out.getvalue()


def counts(store: Store) -> dict[str, int]:
    return {model.__name__: model.objects.filter(store=store).count() for model in STORE_ROWS}


def copy_of_original(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ORIGINAL, folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # the originals are read-only
    return folder


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def file_line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(name))


def test_loads_the_original_folder_as_it_is(store):
    output = run_import(ORIGINAL, store="main-street")

    assert counts(store) == {"Department": 10, "InventoryItem": 3, "Coupon": 1, "VoiceTemplate": 54, "StaffMember": 2}
    store.refresh_from_db()
    assert (store.name, store.address, store.phone, store.hours) == ("well well well", "123 Main St", "555-1234", "7 AM - 10 PM")
    assert store.greeting_message == "well well well, we appreciate your call! How can I help today?"
    milk = InventoryItem.objects.get(store=store, sku="MLK001")
    assert (milk.name, milk.price, milk.stock_quantity, milk.location) == ("Milk (Gallon)", Decimal("3.99"), 50, "Aisle 1")
    assert milk.department.name == "Grocery" and milk.department.store == store
    assert set(InventoryWord.objects.filter(item=milk).values_list("word", flat=True)) == {"milk", "gallon", "mlk001"}
    assert StaffMember.objects.get(store=store, name="John Smith").department.phone_extension == "108"
    assert file_line(output, "departments.json") == "departments.json: 10 created, 0 updated, 0 unchanged, 1 skipped"
    assert file_line(output, "dialogue_templates.json").startswith("dialogue_templates.json: 52 created")
    assert "Total: 70 created, 1 updated, 1 unchanged, 1 skipped; missing files: none" in output


def test_the_second_identical_test_department_is_skipped_and_reported(store):
    output = run_import(ORIGINAL, store="main-street")

    test_department = Department.objects.get(store=store, name="Test Department")
    assert test_department.phone_extension == "999"
    # The first row is the one kept: its created_at, not the second's.
    assert test_department.created_at == dt.datetime(2025, 8, 25, 17, 18, 15, 192415, tzinfo=NEW_YORK)
    assert "skipped row 10 (Test Department): same extension 999 as row 9 (Test Department)" in output


def test_a_staff_phone_of_none_becomes_blank(store):
    output = run_import(ORIGINAL, store="main-street")

    assert StaffMember.objects.get(store=store, name="Stacy Wheewa").phone == ""
    assert StaffMember.objects.get(store=store, name="John Smith").phone == "(555) 123-4567"
    assert "row 2 (Stacy Wheewa): phone 'None' read as blank" in output


def test_the_coupon_that_expired_in_2024_is_imported_as_expired(store):
    output = run_import(ORIGINAL, store="main-street")

    coupon = Coupon.objects.get(store=store, code="SAVE20")
    assert coupon.expires_at == dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=NEW_YORK)
    assert (coupon.discount_type, coupon.discount_value, coupon.is_store_wide, coupon.is_active) == ("percentage", Decimal("20"), True, True)
    assert not coupon.is_valid_at(timezone.now())
    assert "SAVE20 expired on 2024-12-31T23:59:59-05:00" in output


def test_naive_timestamps_are_read_in_the_store_time_zone(store, other_store):
    run_import(ORIGINAL, store="main-street")
    run_import(ORIGINAL, store="harbor-deli")

    new_york = Department.objects.get(store=store, name="Grocery").created_at
    london = Department.objects.get(store=other_store, name="Grocery").created_at
    assert new_york == dt.datetime(2025, 8, 25, 21, 13, 32, 776254, tzinfo=dt.timezone.utc)
    assert london == dt.datetime(2025, 8, 25, 16, 13, 32, 776254, tzinfo=dt.timezone.utc)
    store.refresh_from_db()
    assert store.updated_at == dt.datetime(2025, 8, 30, 2, 25, 10, 471361, tzinfo=NEW_YORK)
    assert services.settings_of(store).updated_at == dt.datetime(2025, 8, 25, 17, 13, 32, 776709, tzinfo=NEW_YORK)


def test_dialogue_templates_are_kept_by_category_and_spanish_is_general_in_spanish(store):
    output = run_import(ORIGINAL, store="main-street")

    templates = VoiceTemplate.objects.filter(store=store)
    by_group = {(c, lang): templates.filter(category=c, language=lang).count() for c, lang in
                templates.values_list("category", "language").distinct()}
    assert by_group == {("voice", "en"): 2, ("general", "en"): 18, ("pharmacy", "en"): 13, ("coupons", "en"): 12, ("general", "es"): 9}
    greet = templates.get(category="general", template_type="greet", language="es")
    assert greet.text_content == "Gracias por llamar. ¿Qué puedo ayudarle a encontrar hoy?"
    assert greet.variation_number == 1 and greet.is_active
    ready = templates.get(category="pharmacy", template_type="prescription_ready")
    assert ready.text_content == "Your prescription for {medication} is ready for pickup!"
    # The API trims text; the report says so for the one prompt that ended in a space.
    assert templates.get(template_type="department_coupons_intro").text_content == "Here are the current {department} coupons available."
    assert "coupons.department_coupons_intro (en): spaces around text_content trimmed" in output
    assert templates.get(category="voice", template_type="greeting").created_at == dt.datetime(2025, 8, 25, 17, 13, 32, 776560, tzinfo=NEW_YORK)


def test_a_second_run_creates_nothing_and_says_so(store):
    run_import(ORIGINAL, store="main-street")
    before, audit_before = counts(store), AuditEntry.objects.filter(store=store).count()

    output = run_import(ORIGINAL, store="main-street")

    assert counts(store) == before
    assert AuditEntry.objects.filter(store=store).count() == audit_before
    assert file_line(output, "inventory.json") == "inventory.json: 0 created, 0 updated, 3 unchanged, 0 skipped"
    assert file_line(output, "store_info.json") == "store_info.json: 0 created, 0 updated, 1 unchanged, 0 skipped"
    assert "Total: 0 created, 0 updated, 72 unchanged, 1 skipped" in output
    assert "skipped row 10 (Test Department)" in output


def test_a_changed_value_updates_the_row_it_matches_and_is_audited(store, tmp_path):
    run_import(ORIGINAL, store="main-street")
    folder = copy_of_original(tmp_path)
    edit(folder, "inventory.json", lambda rows: rows[0].update(price=4.29, name="Milk (Gallon, 2%)", department="Grocery & Dry Goods"))
    edit(folder, "departments.json", lambda rows: rows[0].update(name="Grocery & Dry Goods"))  # matched by extension 101
    edit(folder, "dialogue_templates.json", lambda data: data["spanish"].update(greet="Hola, gracias por llamar."))

    output = run_import(folder, store="main-street")

    milk = InventoryItem.objects.get(store=store, sku="MLK001")
    assert (milk.price, milk.name) == (Decimal("4.29"), "Milk (Gallon, 2%)")
    assert "2" in set(InventoryWord.objects.filter(item=milk).values_list("word", flat=True))
    assert Department.objects.get(store=store, phone_extension="101").name == "Grocery & Dry Goods"
    assert milk.department.name == "Grocery & Dry Goods"
    assert VoiceTemplate.objects.get(store=store, category="general", template_type="greet", language="es").text_content == "Hola, gracias por llamar."
    assert counts(store)["Department"] == 10 and counts(store)["VoiceTemplate"] == 54
    assert file_line(output, "inventory.json") == "inventory.json: 0 created, 1 updated, 2 unchanged, 0 skipped"
    update = AuditEntry.objects.get(store=store, action="update", model="inventoryitem")
    assert update.changes["price"] == ["3.99", "4.29"] and update.actor_label == "import_store" and update.actor is None


def test_every_created_row_is_in_the_audit_log(store):
    run_import(ORIGINAL, store="main-street")

    entries = AuditEntry.objects.filter(store=store)
    assert entries.filter(action="create").count() == 70
    assert entries.filter(action="update", model="store").count() == 1
    assert set(entries.values_list("actor_label", flat=True)) == {"import_store"}
    milk = entries.get(model="inventoryitem", object_repr="Milk (Gallon) (MLK001)")
    assert milk.changes["department"] == [None, "Grocery"] and milk.changes["price"] == [None, "3.99"]


def test_rows_the_api_refuses_are_skipped_with_the_field_named(store, tmp_path):
    folder = copy_of_original(tmp_path)
    edit(folder, "inventory.json", lambda rows: (rows[0].update(price=-1), rows[1].update(department="Garden")))
    edit(folder, "coupons.json", lambda rows: rows.append({"code": "HALF", "discount_type": "percentage", "discount_value": 150}))
    edit(folder, "departments.json", lambda rows: rows[2].update(phone_extension="ab"))
    edit(folder, "voice_templates.json", lambda rows: rows[0].update(text_content="Welcome to {shop}!"))
    edit(folder, "staff.json", lambda rows: rows.append("not a row"))

    output = run_import(folder, store="main-street")

    assert "skipped row 1 (Milk (Gallon)): price: Ensure this value is greater than or equal to 0." in output
    assert "skipped row 2 (Bread (Whole Wheat)): department: This store has no department 'Garden'." in output
    assert "skipped row 2 (HALF): discount_value: A percentage discount is between 0 and 100." in output
    assert "skipped row 3 (Produce): phone_extension: An extension is 1 to 8 digits." in output
    assert "skipped row 1 (greeting): text_content: Unknown placeholder {shop}" in output
    assert "skipped row 3 (?): not a JSON object" in output
    assert list(InventoryItem.objects.filter(store=store).values_list("sku", flat=True)) == ["PET001"]
    assert list(Coupon.objects.filter(store=store).values_list("code", flat=True)) == ["SAVE20"]
    assert not Department.objects.filter(store=store, name="Produce").exists()
    assert counts(store)["Department"] == 9 and counts(store)["StaffMember"] == 2
    assert not AuditEntry.objects.filter(store=store, object_repr__in=["HALF", "Produce"]).exists()


def test_missing_files_are_skipped_and_reported(store, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ORIGINAL / "departments.json", folder)
    shutil.copy(ORIGINAL / "staff.json", folder)

    output = run_import(folder, store="main-street")

    assert counts(store) == {"Department": 10, "InventoryItem": 0, "Coupon": 0, "VoiceTemplate": 0, "StaffMember": 2}
    assert "inventory.json: missing, skipped" in output and "store_info.json: missing, skipped" in output
    assert "missing files: store_info.json, settings.json, inventory.json, coupons.json, voice_templates.json, dialogue_templates.json" in output
    assert Store.objects.get(pk=store.pk).name == "Main Street Market"


def test_another_stores_data_is_untouched(store, other_store):
    services.save_record(actor=None, store=other_store, instance=Department(), data={"name": "Bakery", "phone_extension": "101"})
    services.save_record(actor=None, store=other_store, instance=InventoryItem(), data={"name": "Sourdough", "sku": "MLK001", "price": Decimal("6")})
    audit_before = AuditEntry.objects.filter(store=other_store).count()

    run_import(ORIGINAL, store="main-street")
    run_import(ORIGINAL, store="main-street")

    assert counts(other_store) == {"Department": 1, "InventoryItem": 1, "Coupon": 0, "VoiceTemplate": 0, "StaffMember": 0}
    assert Department.objects.get(store=other_store).name == "Bakery"
    assert InventoryItem.objects.get(store=other_store).price == Decimal("6")
    assert Store.objects.get(pk=other_store.pk).name == "Harbor Deli"
    assert AuditEntry.objects.filter(store=other_store).count() == audit_before
    assert counts(store)["Department"] == 10 and InventoryItem.objects.get(store=store, sku="MLK001").name == "Milk (Gallon)"


def test_an_unknown_store_is_a_clear_error(store):
    with pytest.raises(CommandError, match="No store with slug 'nowhere' \\(stores: main-street\\). Add --create"):
        run_import(ORIGINAL, store="nowhere")

    assert Department.objects.count() == 0


def test_create_makes_the_store_named_in_store_info(db):
    output = run_import(ORIGINAL, "--create", "--timezone", "America/New_York", store="well")

    store = Store.objects.get(slug="well")
    assert (store.name, store.timezone) == ("well well well", "America/New_York")
    assert Coupon.objects.get(store=store).expires_at == dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=NEW_YORK)
    assert counts(store)["Department"] == 10 and "into well" in output
    assert AuditEntry.objects.filter(store=store, model="store", action="create").count() == 1


def test_a_folder_that_is_not_there_is_an_error(store, tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        run_import(tmp_path / "nope", store="main-street")


def test_invalid_json_stops_before_anything_is_written(store, tmp_path):
    folder = copy_of_original(tmp_path)
    (folder / "staff.json").write_text('[{"name": "Half a row"')

    with pytest.raises(CommandError, match="staff.json is not valid JSON"):
        run_import(folder, store="main-street")

    assert counts(store) == dict.fromkeys(counts(store), 0)
    assert Store.objects.get(pk=store.pk).name == "Main Street Market"


def test_a_crash_midway_writes_nothing(store, monkeypatch):
    real_save = services.save_record

    def crash_on_staff(*, instance, **kwargs):
        if isinstance(instance, StaffMember):
            raise RuntimeError("disk on fire")
        return real_save(instance=instance, **kwargs)

    monkeypatch.setattr(transfer.services, "save_record", crash_on_staff)

    with pytest.raises(RuntimeError, match="disk on fire"):
        run_import(ORIGINAL, store="main-street")

    assert counts(store) == dict.fromkeys(counts(store), 0)
    assert not AuditEntry.objects.filter(store=store).exists()
    assert Store.objects.get(pk=store.pk).name == "Main Street Market"


def test_dry_run_reports_and_writes_nothing(store):
    output = run_import(ORIGINAL, "--dry-run", store="main-street")

    assert "departments.json: 10 created" in output and "(dry run: nothing written)" in output
    assert counts(store) == dict.fromkeys(counts(store), 0)
    assert not AuditEntry.objects.filter(store=store).exists()


def test_a_greeting_that_is_a_format_string_is_not_imported(store, tmp_path):
    folder = copy_of_original(tmp_path)
    edit(folder, "store_info.json", lambda info: info.update(greeting_message="Hi {address.__class__.__base__.__subclasses__}", hold_message="{store_name:>20000000}"))
    edit(folder, "voice_templates.json", lambda rows: rows[0].update(text_content="Welcome to {store_name:>2000}!"))

    output = run_import(folder, store="main-street")

    assert "store_info.json: greeting_message: {address.__class__.__base__.__subclasses__} is not allowed" in output
    assert "hold_message: {store_name:>20000000} is not allowed" in output
    assert "skipped row 1 (greeting): text_content: {store_name:>2000} is not allowed" in output
    store.refresh_from_db()
    assert store.greeting_message == "" and store.hold_message == ""
    assert not VoiceTemplate.objects.filter(store=store, text_content__contains=":>").exists()


def test_an_item_named_as_another_is_skipped_and_reported(store, tmp_path):
    folder = copy_of_original(tmp_path)
    edit(folder, "inventory.json", lambda rows: rows.append({**rows[0], "id": 99, "sku": "MLK002", "name": "milk  (gallon)"}))

    output = run_import(folder, store="main-street")

    assert "skipped row 4 (milk  (gallon)): name: Another item of this store is called Milk (Gallon) (MLK001); callers could not tell them apart." in output
    assert not InventoryItem.objects.filter(store=store, sku="MLK002").exists()
