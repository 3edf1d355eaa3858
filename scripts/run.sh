#!/usr/bin/env bash
# Serve Rightsdesk for development: one background-task worker plus Django's server.
# Ctrl-C (or TERM) stops both. `make run` prepares everything first and then calls this.
#
#   RUN_ADDR=127.0.0.1:8000   address for runserver
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
ADDR="${RUN_ADDR:-127.0.0.1:8000}"

worker_pid=""
server_pid=""
stop() {
    trap - EXIT INT TERM
    for pid in $server_pid $worker_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

# All queues: default, pdf, reminders (see TASKS in config/settings.py).
"$PY" manage.py db_worker --queue-name '*' &
worker_pid=$!

echo "Rightsdesk: http://$ADDR/  (Ctrl-C stops the server and the worker)"
# Static files come from WhiteNoise (WHITENOISE_USE_FINDERS), so no collectstatic is needed.
"$PY" manage.py runserver "$ADDR" &
server_pid=$!

# Whichever stops first takes the other down with it.
wait -n "$worker_pid" "$server_pid" || true
