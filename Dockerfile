# syntax=docker/dockerfile:1
#
# The commissioning portal's production image: one image for web (gunicorn),
# worker (celery worker) and beat (celery beat); docker-compose.yml picks the command.
# Build: docker build -t opcc-portal .

# --- Stage 1: front-end assets ---------------------------------------------------------
# govuk-frontend compiled with the office's font stack into static/build/ (git-ignored,
# so the image builds it from package-lock.json).
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build-assets.mjs scripts/
COPY static/scss static/scss
RUN npm run build

# --- Stage 2: the Python application ----------------------------------------------------
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=commissioning.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# Runtime libraries for WeasyPrint (PDF reports): Pango, HarfBuzz subsetting and fonts;
# and pg_dump/pg_restore for `manage.py backup` and `restore`.
# fonts-liberation2 is metric-compatible with Arial, the portal's font stack.
# Versions come from the pinned Debian release (bookworm) so security updates still apply.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-liberation2 \
        fonts-dejavu-core \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user to run every process; a numeric id so orchestrators can verify
# runAsNonRoot.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app

WORKDIR /app

# Dependencies first (cached while the lock is unchanged), each checked against the hash
# in requirements.lock. The project has `packages = []`: installing it adds no code.
COPY pyproject.toml requirements.lock ./
RUN pip install --no-compile --require-hashes -r requirements.lock \
    && pip install --no-compile --no-deps . && rm -rf build ./*.egg-info

# The application code (see .dockerignore for what is left out) and the built assets.
COPY . .
COPY --from=assets /build/static/build static/build

# Collect static files for whitenoise's CompressedManifestStaticFilesStorage. The
# SECRET_KEY here is a throwaway placeholder scoped to this RUN step only: it is not an
# ENV, so it is not in the final image's environment; the real key comes at run time.
RUN SECRET_KEY=collectstatic-build-step-placeholder-not-used-at-runtime-0000000000 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown app:app /app/media \
    && chmod 0755 /app/docker/entrypoint.sh

# The code stays root-owned and read-only to the app user; only /app/media (uploaded
# files, a volume in docker-compose.yml) is writable.
USER 10001:10001

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "commissioning.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
