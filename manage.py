#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.settings")
    # A developer's commands run with DEBUG on unless told otherwise; the served entry points
    # (wsgi/asgi/celery) default to DEBUG off, and production sets DEBUG=false everywhere.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
