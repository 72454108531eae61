"""faqs.json in import_store / export_store: the hardware test store's FAQ imports, a bad row is skipped with
its field, a second import changes nothing, and an export restores exactly."""
from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from store.models import AuditEntry, Faq, Store

HARDWARE = Path(__file__).resolve().parents[1] / "voice" / "conversations" / "stores" / "hardware"


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def line(output: str, name: str) -> str:
    return next(text for text in output.splitlines() if text.startswith(name))


def test_the_hardware_store_imports_with_its_faqs(db):
    wanted = json.loads((HARDWARE / "faqs.json").read_text(encoding="utf-8"))

    output = run("import_store", str(HARDWARE), store="hillside", create=True)

    store = Store.objects.get(slug="hillside")
    assert line(output, "faqs.json") == f"faqs.json: {len(wanted)} created, 0 updated, 0 unchanged, 0 skipped"
    got = list(Faq.objects.filter(store=store).order_by("id").values("question", "answer", "keywords", "is_active"))
    assert got == [{name: row[name] for name in ("question", "answer", "keywords", "is_active")} for row in wanted]
    assert AuditEntry.objects.filter(store=store, model="faq", action="create", actor_label="import_store").count() == len(wanted)

    again = run("import_store", str(HARDWARE), store="hillside")

    assert line(again, "faqs.json") == f"faqs.json: 0 created, 0 updated, {len(wanted)} unchanged, 0 skipped"
    assert Faq.objects.filter(store=store).count() == len(wanted)


def test_a_bad_faq_row_is_skipped_naming_its_field_and_a_changed_answer_updates(store, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    rows = [
        {"question": "Do you deliver?", "answer": "Yes.", "keywords": ["delivery"]},
        {"question": "Parking?", "answer": "Free lot.", "keywords": "parking"},
        {"question": "", "answer": "Nobody asked."},
        {"question": "do you deliver?", "answer": "A twin."},
    ]
    (folder / "faqs.json").write_text(json.dumps(rows), encoding="utf-8")

    output = run("import_store", str(folder), store="main-street")

    assert line(output, "faqs.json") == "faqs.json: 1 created, 0 updated, 0 unchanged, 3 skipped"
    assert "skipped row 2 (Parking?): keywords:" in output
    assert "skipped row 3 (no question): question:" in output
    assert "skipped row 4 (do you deliver?): same question 'do you deliver?' as row 1" in output
    assert list(Faq.objects.filter(store=store).values_list("question", flat=True)) == ["Do you deliver?"]

    (folder / "faqs.json").write_text(json.dumps([{"question": "Do you deliver?", "answer": "Yes, within 5 miles."}]), encoding="utf-8")
    output = run("import_store", str(folder), store="main-street")

    assert line(output, "faqs.json") == "faqs.json: 0 created, 1 updated, 0 unchanged, 0 skipped"
    assert Faq.objects.get(store=store).answer == "Yes, within 5 miles."


def test_a_folder_without_faqs_json_does_not_count_it_missing(store, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(HARDWARE, folder)
    (folder / "faqs.json").unlink()

    output = run("import_store", str(folder), store="main-street")

    assert "faqs.json: not in the folder (optional), skipped" in output
    assert output.rstrip().endswith("missing files: voice_templates.json, dialogue_templates.json")  # the hardware folder has none


def test_export_then_import_restores_the_faqs_exactly(store, other_store, tmp_path):
    run("import_store", str(HARDWARE), store="main-street")
    Faq.objects.create(store=other_store, question="Theirs?", answer="Not yours.")
    run("export_store", "main-street", str(tmp_path / "first"))
    exported = json.loads((tmp_path / "first" / "faqs.json").read_text(encoding="utf-8"))
    Store.objects.create(name="Empty", slug="restored")

    run("import_store", str(tmp_path / "first"), store="restored")
    run("export_store", "restored", str(tmp_path / "second"))

    again = json.loads((tmp_path / "second" / "faqs.json").read_text(encoding="utf-8"))
    strip = lambda rows: [{k: v for k, v in row.items() if k != "id"} for row in rows]  # noqa: E731
    assert strip(again) == strip(exported) and len(exported) == Faq.objects.filter(store=store).count() > 0
    assert "Theirs?" not in json.dumps(exported)
    assert set(exported[0]) == {"id", "question", "answer", "keywords", "is_active", "created_at"}
