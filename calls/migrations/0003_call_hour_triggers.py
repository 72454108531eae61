# The triggers that keep CallHour exact, and the hours of the calls already there.

from django.db import migrations


def install(apps, schema_editor) -> None:
    from calls import stats_sql

    stats_sql.install(schema_editor.connection, rollups=(stats_sql.CALLS,))


def uninstall(apps, schema_editor) -> None:
    from calls import stats_sql

    stats_sql.uninstall(schema_editor.connection, rollups=(stats_sql.CALLS,))


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0002_customers_callbacks_queue_call_hours"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
