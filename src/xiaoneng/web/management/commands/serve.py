import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand

from xiaoneng.web.checks import private_data_files

IGNORE = ["CVS", ".*", "*~"]  # collectstatic's own default ignore patterns


def static_files_stale() -> str:
    """Why the collected static files cannot serve the pages ("" when they can).

    Outside DEBUG every page names its scripts and styles through the manifest that
    ``collectstatic`` writes; a page whose file is missing from it fails with a server error.
    """
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return ""
    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    if not manifest.exists():
        return "尚未收集静态文件"
    collected, _hash = staticfiles_storage.load_manifest()
    written = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list(IGNORE):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name not in collected:
                return f"静态文件 {name} 不在已收集的清单中"
            if Path(storage.path(path)).stat().st_mtime > written:
                return f"静态文件 {name} 在上次收集之后有改动"
    return ""


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
        for warning in private_data_files():
            self.stderr.write(self.style.WARNING(f"警告：{warning.msg}（{warning.hint}）"))
        reason = static_files_stale()
        if reason:
            self.stdout.write(f"{reason}：先运行 xiaoneng collectstatic --noinput …")
            call_command("collectstatic", interactive=False, verbosity=0)
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
