#!/bin/sh
# Container entrypoint for web, worker and beat.
#
# The web process (gunicorn) applies database migrations once before it starts; the
# Celery worker and beat never do. Set MIGRATE_ON_START=0 when migrations are run as a
# separate release step (e.g. several web replicas starting at once).
set -eu

if [ "${1:-}" = "gunicorn" ] && [ "${MIGRATE_ON_START:-1}" = "1" ]; then
    echo "entrypoint: applying database migrations"
    python manage.py migrate --noinput
fi

exec "$@"
