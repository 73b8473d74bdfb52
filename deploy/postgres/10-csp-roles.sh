#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d),
# as the superuser. Two roles, neither a superuser (docs/operations.md):
#   csp      owns the database and its tables; runs migrations (the compose "migrate" job)
#   csp_app  what web, worker and beat connect as: data changes only, granted after each
#            migrate by `manage.py grant_app_role csp_app`. Not an owner, so it cannot
#            ALTER TABLE ... DISABLE TRIGGER on the append-only audit tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$CSP_OWNER_PASSWORD" -v app_password="$CSP_APP_PASSWORD" <<'SQL'
CREATE ROLE csp LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'owner_password';
CREATE ROLE csp_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT
    PASSWORD :'app_password';
CREATE DATABASE csp OWNER csp;
REVOKE ALL ON DATABASE csp FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE csp TO csp_app;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname csp <<'SQL'
-- Only the owner creates objects; the app role is granted data access table by table.
ALTER SCHEMA public OWNER TO csp;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO csp_app;
SQL
