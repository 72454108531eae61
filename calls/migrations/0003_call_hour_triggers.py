# The triggers that keep CallHour exact, and the hours of the calls already there.
#
# calls.stats_sql describes CallHour as the latest migration leaves it, so installing its triggers here
# (on the table 0002 made) would name columns that do not exist yet: 0005 installs them and recounts
# every hour. Databases migrated before 0005 existed ran the install here then; it changes nothing now.

from django.db import migrations


def uninstall(apps, schema_editor) -> None:
    from calls import stats_sql

    stats_sql.uninstall(schema_editor.connection, rollups=(stats_sql.CALLS,))


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0002_customers_callbacks_queue_call_hours"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, uninstall)]
