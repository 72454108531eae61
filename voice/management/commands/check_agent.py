"""`check_agent <store-slug>`: cases from the store's own data, played through the real voice webhooks
in-process and graded exactly against the data (voice/agent_check.py). Prints the pass rate, the sample
and every failure with what the agent said. Nothing it plays is kept: each case's call is rolled back."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from store.models import Store
from voice.agent_check import DEFAULT_SAMPLE, MAX_SAMPLE, CheckError, check_store, summary_lines


class Command(BaseCommand):
    help = (
        "Check the store's voice agent: each department by name and keyword, items' price, stock and "
        "location in several phrasings, each weekday's hours, each active coupon and FAQ, and a person "
        "request, played as calls and graded against the data. A large store is sampled (--sample)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE,
                            help=f"cases to play at most (default {DEFAULT_SAMPLE}, up to {MAX_SAMPLE}); a smaller store plays all its cases")
        parser.add_argument("--seed", type=int, default=0, help="which sample (the same seed, the same cases)")
        parser.add_argument("--fail-under", type=float, default=None, metavar="RATE",
                            help="exit with an error when the pass rate is below this (0-1), for scripts and CI")

    def handle(self, *args, store: str, sample: int, seed: int, fail_under: float | None, **options) -> None:
        if not 1 <= sample <= MAX_SAMPLE:
            raise CommandError(f"--sample must be between 1 and {MAX_SAMPLE}.")
        found = Store.objects.filter(slug=store).first()
        if found is None:
            known = ", ".join(Store.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No store with slug '{store}' (stores: {known}).")
        try:
            report = check_store(found, sample=sample, seed=seed)
        except CheckError as exc:
            raise CommandError(str(exc)) from None
        for line in summary_lines(report):
            self.stdout.write(line)
        if fail_under is not None and report.rate < fail_under:
            raise CommandError(f"Pass rate {report.rate:.1%} is below {fail_under:.1%}.")
