FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY portal ./portal
COPY districts ./districts
COPY catalog ./catalog
COPY guides ./guides
RUN pip install --no-cache-dir .
COPY . .
RUN ALLOW_INSECURE_KEY=1 python manage.py collectstatic --noinput
RUN useradd --system --home /app portal \
    && mkdir -p /srv/portal/media /srv/portal/private \
    && chown portal /srv/portal/media /srv/portal/private
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
