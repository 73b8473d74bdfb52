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
COPY manage.py Procfile ./
RUN pip install . && useradd --create-home csp && mkdir -p /app/var && chown csp /app/var
USER csp
RUN DEBUG=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
