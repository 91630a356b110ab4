"""``manage.py forget_cached_figures``: after data changed outside the portal (SQL typed
by hand, a database restored by other means), make every cached figure out of date so
each is computed afresh (commissioning/freshness.py)."""

from django.core.management.base import BaseCommand

from commissioning.freshness import forget_all


class Command(BaseCommand):
    help = "Make every cached figure out of date (after changing data outside the portal)."

    def handle(self, *args, **options):
        forget_all()
        self.stdout.write("Cached figures will be computed afresh.")
