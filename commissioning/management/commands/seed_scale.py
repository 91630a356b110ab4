"""``manage.py seed_scale``: a national-scale data set for the benchmarks, in minutes.

    manage.py seed_scale --grants 50000 --contracts 5000 --returns 250000
    manage.py seed_scale --scale 0.01        # a hundredth of that: CI's smoke run

It loads the demo data first if the database has none (so DEMO_DATA_ALLOWED=true is
needed, as for ``load_demo``), then copies it in bulk (see ``commissioning.scale``).
Use a database of its own: the copies are not meant to be removed one by one.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from commissioning import scale

FULL = {"grants": 50_000, "contracts": 5_000, "returns": 250_000}


class Command(BaseCommand):
    help = "Fill the database with a large, realistic data set (bulk copies of the demo)."

    def add_arguments(self, parser):
        parser.add_argument("--grants", type=int, help=f"default {FULL['grants']:,}")
        parser.add_argument("--contracts", type=int, help=f"default {FULL['contracts']:,}")
        parser.add_argument("--returns", type=int, help=f"default {FULL['returns']:,}")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="multiply the full-scale defaults (0.01 for a quick smoke run)",
        )

    def handle(self, *args, **options):
        sizes = {
            name: options[name] if options[name] is not None else round(full * options["scale"])
            for name, full in FULL.items()
        }
        if scale.already_seeded():
            raise CommandError("This database already holds scale data: use a fresh one.")
        from django.apps import apps

        if not apps.get_model("grants.Grant").objects.exists():
            call_command("load_demo", stdout=self.stdout.__class__(open("/dev/null", "w")))  # noqa: SIM115
        try:
            seeder = scale.Seeder(out=self.stdout.write, **sizes)
        except ValueError as error:
            raise CommandError(str(error)) from error
        seeder.run()
        for name, count in scale.counts().items():
            self.stdout.write(f"  {name:<22} {count:>10,}")
