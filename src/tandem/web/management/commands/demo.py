from django.core.management.base import BaseCommand

from tandem.demo import load_demo


class Command(BaseCommand):
    help = "Load a realistic demo company (deterministic by seed)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["small", "large"], default="small")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, size, seed, **options):
        summary = load_demo(size=size, seed=seed)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in summary.items()))
