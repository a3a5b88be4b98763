import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行网站（gunicorn，默认 127.0.0.1:8000）"
    # gunicorn loads the whole site right after (wsgi.py); checking it here first would load it
    # twice. `xiaoneng check --deploy` runs the checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("XIAONENG_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("XIAONENG_WORKERS", "2"))
        )

    def handle(self, *args, **options):
        self.stdout.write(f"网站地址：http://{options['bind']}/   （按 Ctrl+C 停止）")
        sys.stdout.flush()
        # exec replaces this process, so signals (Ctrl+C, a supervisor's TERM) reach gunicorn.
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "xiaoneng.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
                "--timeout",
                "120",
                # Import the site once in the master (see wsgi.py), then fork the workers: no
                # worker makes its first visitor wait while it loads.
                "--preload",
            ],
        )
