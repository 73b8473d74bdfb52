# Front-end assets (GOV.UK Frontend, htmx) from the npm lock file, built once.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY partners ./partners
COPY cases ./cases
COPY referrals ./referrals
COPY workflows ./workflows
COPY notifications ./notifications
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/build/frontend ./build/frontend
COPY manage.py Procfile ./
RUN pip install . && useradd --create-home csp && mkdir -p /app/var && chown csp /app/var /app/build/frontend
USER csp
RUN DEBUG=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
