"""``xiaoneng complaints train-routing``: train the routing suggester (投诉分办模型) from the
complaints the office has routed. Cron it nightly, or every few minutes with ``--if-stale``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xiaoneng.complaints import suggestions


class Command(BaseCommand):
    help = "效能投诉：train-routing 用本平台已转办的投诉训练分办建议模型"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train-routing", help="训练分办建议模型")
        train.add_argument(
            "--if-stale",
            action="store_true",
            help=f"只在没有模型或新转办超过 {suggestions.RETRAIN_EVERY} 件时训练",
        )

    def handle(self, *args, action: str, if_stale: bool = False, **options):
        if if_stale and not suggestions.is_stale():
            self.stdout.write("分办模型已是最新，无需训练")
            return
        result = suggestions.retrain_routing()
        if not result.trained:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
