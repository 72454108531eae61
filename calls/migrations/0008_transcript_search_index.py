# GET /api/calls?search= (and the call history's search) finds words of the transcript too:
# UPPER(text) LIKE UPPER('%term%') over calls_transcriptentry, as Django writes icontains. Without an index
# that reads every line of every call. On PostgreSQL a trigram GIN index on exactly that expression serves
# it (as 0006's do for caller, receiver and callId); SQLite has no such index and scans. Not in the model's
# Meta, so makemigrations never sees it. Built CONCURRENTLY, outside a transaction: calls go on meanwhile.

from django.db import migrations

NAME = "transcript_text_trgm"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON calls_transcriptentry USING gin (UPPER(text) gin_trgm_ops)")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("calls", "0007_call_dialogue_state"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
