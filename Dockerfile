# Production image: web (gunicorn), worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false REPORTS_FONT_DIR=/app/fonts
RUN apt-get update \
 && apt-get install -y --no-install-recommends fontconfig fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-not-secret-0123456789abcdef0123 ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build-only-not-secret-0123456789abcdef0123 ALLOWED_HOSTS=build python manage.py build_report_fonts --strict
RUN useradd --system --uid 1000 portal && mkdir -p /data/media /data/backups && chown -R portal /data /app
USER portal
EXPOSE 8000
CMD ["gunicorn", "qingpu_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
