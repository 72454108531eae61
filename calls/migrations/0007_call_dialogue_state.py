# The voice agent's dialogue state in a field of its own (it lived in metadata["last_intent"], which a
# bot's PATCH replaces whole). SQLite adds a column with a default by rebuilding the table, which drops the
# calls' triggers that keep the hourly totals (calls.stats_sql): they are installed again around it, on
# SQLite only (PostgreSQL adds the column in place; the totals need no recount: no call changed).

from django.db import migrations, models


def reinstall_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    from calls import stats_sql

    stats_sql.install(schema_editor.connection, rebuild=False, rollups=(stats_sql.CALLS, stats_sql.LANGUAGES))


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0006_call_list_indexes"),
    ]

    operations = [
        # Backwards, after the column is dropped (the table rebuilt again).
        migrations.RunPython(migrations.RunPython.noop, reinstall_triggers),
        migrations.AddField(
            model_name="call",
            name="dialogue_state",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
