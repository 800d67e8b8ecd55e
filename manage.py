#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquamind.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from apps.audit.context import command_history  # a command's writes are recorded as made by it (docs/history.md)

    with command_history(sys.argv):
        execute_from_command_line(sys.argv)
