"""The ``xiaoneng`` command: Django's management commands plus the project's own.

``xiaoneng demo`` builds the demo city, ``xiaoneng serve`` runs the web server,
``xiaoneng calendar …`` and ``xiaoneng audit verify`` are documented in the README.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]), *sys.argv[1:]])


if __name__ == "__main__":
    main()
