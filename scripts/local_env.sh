# Environment of the embedded `make run` (sourced by the Makefile's run steps and scripts/run.sh):
# DEBUG off unless asked, a secret key generated once and kept under var/, plain HTTP on loopback.
VAR_DIR="${VAR_DIR:-$PWD/var}"
mkdir -p "$VAR_DIR"
export VAR_DIR
export DEBUG="${DEBUG:-false}"
if [ -z "${SECRET_KEY:-}" ] && [ -z "${SECRET_KEY_FILE:-}" ]; then
  if [ ! -s "$VAR_DIR/secret_key" ]; then
    (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > "$VAR_DIR/secret_key")
  fi
  export SECRET_KEY_FILE="$VAR_DIR/secret_key"
fi
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]}"
# Served on 127.0.0.1 only, over plain HTTP: no HTTPS redirect, cookies not marked secure.
export SECURE_HTTPS="${SECURE_HTTPS:-false}"
# The demo accounts' password (seed_demo refuses a default with DEBUG off; this is a local demo only).
export DEMO_PASSWORD="${DEMO_PASSWORD:-Qingpu2026demo}"
