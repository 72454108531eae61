from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from store.models import Store
from store.transfer import export_folder


class Command(BaseCommand):
    help = "Write a store's data as the original app's data/ files (a backup that import_store restores)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("folder", help="where to write the JSON files (made if missing; files there are replaced)")

    def handle(self, *args, store: str, folder: str, **options) -> None:
        found = Store.objects.filter(slug=store).first()
        if found is None:
            known = ", ".join(Store.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No store with slug '{store}' (stores: {known}).")
        written = export_folder(found, Path(folder))
        self.stdout.write(f"Exported {found.slug} to {folder}:")
        for name, count in written.items():
            self.stdout.write(f"  {name}: {count}")
