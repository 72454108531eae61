from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from store.transfer import TransferError, import_folder


class Command(BaseCommand):
    help = (
        "Load an original app's data/ folder (store_info, settings, departments, inventory, coupons, "
        "voice_templates, dialogue_templates, staff; and this project's faqs) into a store. Safe to run again: rows are matched "
        "by natural key and only changed values are written; rows the API would refuse are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", help="the data/ folder holding the JSON files")
        parser.add_argument("--store", required=True, help="the store's slug")
        parser.add_argument("--create", action="store_true", help="create the store (named as in store_info.json) if it does not exist")
        parser.add_argument("--timezone", dest="time_zone", help="the created store's time zone, e.g. America/New_York (default UTC)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    def handle(self, *args, folder: str, store: str, create: bool, time_zone: str | None, dry_run: bool, **options) -> None:
        try:
            found, reports = import_folder(Path(folder), slug=store, create=create, time_zone=time_zone, dry_run=dry_run)
        except TransferError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Importing {folder} into {found.slug} (times without an offset read in {found.timezone})")
        for report in reports:
            self.stdout.write("\n".join(report.lines()))
        totals = {name: sum(getattr(report, name) for report in reports) for name in ("created", "updated", "unchanged")}
        skipped = sum(len(report.skipped) for report in reports)
        missing = ", ".join(report.name for report in reports if report.missing and not report.optional) or "none"
        self.stdout.write(
            f"Total: {totals['created']} created, {totals['updated']} updated, {totals['unchanged']} unchanged, "
            f"{skipped} skipped; missing files: {missing}" + (" (dry run: nothing written)" if dry_run else "")
        )
