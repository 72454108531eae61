# GET /api/calls/stats and /api/calls/analytics read the hourly totals instead of every call: CallHour
# counts the live statuses apart and the calls of each hour's first 15, 30 and 45 minutes (zones whose
# hours begin at :15, :30 or :45 UTC), and CallLanguageHour counts the calls per language. The calls'
# triggers are replaced (CallHour's counters changed) and every hour is recounted from the calls.

from django.db import migrations, models


def uninstall_calls(apps, schema_editor) -> None:
    from calls import stats_sql

    # SQLite's CREATE TRIGGER IF NOT EXISTS would keep the old bodies: drop them first.
    stats_sql.uninstall(schema_editor.connection, rollups=(stats_sql.CALLS,))


def install(apps, schema_editor) -> None:
    from calls import stats_sql

    stats_sql.install(schema_editor.connection, rollups=(stats_sql.CALLS, stats_sql.LANGUAGES))
    if schema_editor.connection.vendor == "postgresql":
        # Every hour was just rewritten: the planner's statistics describe the tables before.
        schema_editor.execute("ANALYZE calls_callhour, calls_calllanguagehour")


def uninstall(apps, schema_editor) -> None:
    from calls import stats_sql

    stats_sql.uninstall(schema_editor.connection, rollups=(stats_sql.CALLS, stats_sql.LANGUAGES))


def counter() -> models.BigIntegerField:
    return models.BigIntegerField(default=0)


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0004_customer_hour"),
    ]

    operations = [
        # Backwards, CallHour's triggers stay uninstalled: stats_sql only knows its new shape (0003's install, by hand).
        migrations.RunPython(uninstall_calls, migrations.RunPython.noop),
        migrations.AddField(model_name="callhour", name="queued", field=counter()),
        migrations.AddField(model_name="callhour", name="ringing", field=counter()),
        migrations.AddField(model_name="callhour", name="in_progress", field=counter()),
        migrations.AddField(model_name="callhour", name="first_15", field=counter()),
        migrations.AddField(model_name="callhour", name="first_30", field=counter()),
        migrations.AddField(model_name="callhour", name="first_45", field=counter()),
        migrations.CreateModel(
            name="CallLanguageHour",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("store_id", models.BigIntegerField()),
                ("hour", models.DateTimeField()),
                ("language", models.CharField(help_text="as the calls hold it (free text)", max_length=12)),
                ("calls", models.BigIntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["hour"], name="call_language_hour_hour")],
                "constraints": [models.UniqueConstraint(fields=("store_id", "hour", "language"), name="call_language_hour_unique")],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
