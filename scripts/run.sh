#!/usr/bin/env bash
# Serves the portal with its Celery worker and beat scheduler; Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PORT="${PORT:-8000}"  # the worker reads it too: PORTAL_BASE_URL follows PORT
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "正在停止 web / worker / beat …"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup INT TERM EXIT
.venv/bin/celery -A qingpu_portal worker --loglevel=INFO --concurrency=2 &
pids+=($!)
.venv/bin/celery -A qingpu_portal beat --loglevel=INFO &
pids+=($!)
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
echo "门户已启动：http://127.0.0.1:${PORT}/  （Ctrl-C 停止）"
wait -n
