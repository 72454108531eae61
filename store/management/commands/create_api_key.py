from django.core.management.base import BaseCommand, CommandError

from store.models import Store
from store.services import create_api_key


class Command(BaseCommand):
    help = "Create a bot API key for a store; the key is printed once and only its hash is kept."

    def add_arguments(self, parser) -> None:
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("--name", default="bot", help="a label for the key, e.g. the bot's host")

    def handle(self, *args, store: str, name: str, **options) -> None:
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store with slug '{store}'. Stores: {', '.join(Store.objects.values_list('slug', flat=True)) or 'none'}.")
        key, raw = create_api_key(store=found, name=name)
        self.stdout.write(f"API key '{key.name}' for {found.slug} (shown once, keep it safe):\n{raw}")
