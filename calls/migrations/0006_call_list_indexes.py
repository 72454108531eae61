# GET /api/calls?search= matches caller, receiver or callId by substring, case-insensitively
# (UPPER(col::text) LIKE UPPER('%term%'), as Django writes icontains): without an index, a sequential
# scan of every call (1.3-1.6 s at 1,000,000 calls). On PostgreSQL, trigram GIN indexes on exactly those
# expressions serve it; SQLite has no such index and gets nothing. The indexes are not in the model's
# Meta (Django's model indexes cannot be PostgreSQL-only), so makemigrations never sees them.
# Also for the admin, who sees every store: the list sorted by duration had no index to walk (the
# tenant-led call_store_duration needs one store), so page 1 of any filter sorted all matching calls
# (language=hi at 1,000,000 calls: 200 ms, 1.2 s on a loaded machine); a (duration, id) btree makes it
# 0.6 ms. PostgreSQL-only like the others: SQLite is the embedded default, not the million-call setup.
# Built CONCURRENTLY, outside a transaction: writes to calls_call go on while a big table is indexed
# (the four at 1,000,000 calls: 25 s).

from django.db import migrations

COLUMNS = {"caller": "call_caller_trgm", "receiver": "call_receiver_trgm", "call_id": "call_call_id_trgm"}
INDEXES = {
    **{name: f"USING gin (UPPER({column}::text) gin_trgm_ops)" for column, name in COLUMNS.items()},
    "call_duration": "(duration, id)",
}


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON calls_call {definition}")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("calls", "0005_call_hour_languages"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
