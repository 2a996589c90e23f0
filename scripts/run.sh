#!/usr/bin/env bash
# Serves the portal through gunicorn with its Celery worker and beat scheduler; Ctrl-C stops all of them.
# DEBUG stays off (what a user sees is the real thing); `DEBUG=true make run` is the developer's view.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/local_env.sh
export PORT="${PORT:-8000}"  # the worker reads it too: PORTAL_BASE_URL follows PORT
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "正在停止 web / worker / beat …"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup INT TERM EXIT
# Two worker processes; each is replaced after WORKER_MAX_TASKS_PER_CHILD tasks (memory a PDF layout
# leaves behind goes back to the system).
.venv/bin/celery -A qingpu_portal worker --loglevel=INFO --concurrency=2 \
  --max-tasks-per-child="${WORKER_MAX_TASKS_PER_CHILD:-50}" &
pids+=($!)
.venv/bin/celery -A qingpu_portal beat --loglevel=INFO &
pids+=($!)
# gunicorn's control socket lives under var/ (its default is one per user's home, so two portals on
# one machine would share it).
.venv/bin/gunicorn qingpu_portal.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --threads 2 \
  --timeout 120 --graceful-timeout 5 --access-logfile - --control-socket "$VAR_DIR/gunicorn.ctl" &
pids+=($!)
echo "门户已启动：http://127.0.0.1:${PORT}/  （Ctrl-C 停止）"
wait -n
