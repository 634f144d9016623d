#!/usr/bin/env bash
# A local Prefect server for linkvet, with HTTP basic auth, a process worker and the deployments.
#
#   infra/prefect/prefect.sh start    server (background) -> healthy -> pool, limit, deployments
#                                      (linkvet deploy) -> worker (background)
#   infra/prefect/prefect.sh stop     stop the worker and the server (and their children)
#   infra/prefect/prefect.sh status   what runs, and whether the API answers
#   eval "$(infra/prefect/prefect.sh env)"   point a client (prefect CLI, python) at it
#
# Environment:
#   LINKVET_PREFECT_PORT          API/UI port on 127.0.0.1 (default 4200)
#   LINKVET_PREFECT_RUN_DIR       state folder (default <repo>/.run/prefect, gitignored):
#                                 PREFECT_HOME, SQLite database, logs, pid files, auth
#   PREFECT_SERVER_API_AUTH_STRING  user:password for the API and UI; when unset a random one is
#                                 generated once into <run dir>/auth (mode 600)
#   LINKVET_PREFECT_DATABASE_URL  Postgres URL (postgresql+asyncpg://...); SQLite when unset
#   LINKVET_PREFECT_POOL          work pool name (default linkvet-pool)
#   LINKVET_CRAWL_SLOTS           global concurrency limit linkvet-crawl (default 2)
#   LINKVET_*                     the worker passes them on to every flow run (settings)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUN=${LINKVET_PREFECT_RUN_DIR:-$REPO/.run/prefect}
VENV=${LINKVET_VENV:-$REPO/.venv}
POOL=${LINKVET_PREFECT_POOL:-linkvet-pool}
SLOTS=${LINKVET_CRAWL_SLOTS:-2}
START_TIMEOUT=${LINKVET_PREFECT_START_TIMEOUT:-240}

say() { echo "prefect.sh: $*" >&2; }
die() { say "$*"; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port() {
    # The port of a running server wins over the environment, so env/status/stop find it.
    if [ -f "$RUN/port" ] && alive "$RUN/server.pid"; then cat "$RUN/port"
    else echo "${LINKVET_PREFECT_PORT:-4200}"; fi
}

api_url() { echo "http://127.0.0.1:$(port)/api"; }

ensure_auth() {
    mkdir -p "$RUN"
    chmod 700 "$RUN"
    if [ -n "${PREFECT_SERVER_API_AUTH_STRING:-}" ]; then
        (umask 077; printf '%s' "$PREFECT_SERVER_API_AUTH_STRING" >"$RUN/auth")
    elif [ ! -s "$RUN/auth" ]; then
        (umask 077; printf 'linkvet:%s' "$("$VENV/bin/python" -c \
            'import secrets; print(secrets.token_urlsafe(24), end="")')" >"$RUN/auth")
    fi
    chmod 600 "$RUN/auth"
}

client_env() {
    export PREFECT_HOME="$RUN/home"
    export PREFECT_API_URL
    PREFECT_API_URL=$(api_url)
    export PREFECT_API_AUTH_STRING
    PREFECT_API_AUTH_STRING=$(cat "$RUN/auth")
    export PREFECT_SERVER_ANALYTICS_ENABLED=false
    export PREFECT_CLI_PROMPT=false
}

healthy() {
    curl -sf -o /dev/null --max-time 5 -u "$(cat "$RUN/auth")" "$(api_url)/health"
}

# Start a command in its own session, detached from our stdio. The process records its own pid
# (= its process group, which stop ends with everything it spawned).
launch() {
    local name=$1; shift
    rm -f "$RUN/$name.pid"
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" \
        </dev/null >>"$RUN/$name.log" 2>&1 &
    for _ in $(seq 1 50); do [ -s "$RUN/$name.pid" ] && return; sleep 0.1; done
    die "$name did not start (log $RUN/$name.log)"
}

start_server() {
    if alive "$RUN/server.pid"; then
        say "server already running (pid $(cat "$RUN/server.pid")) at $(api_url)"
        return
    fi
    local p=${LINKVET_PREFECT_PORT:-4200}
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/api/health"; then
        die "port $p is taken by another server; set LINKVET_PREFECT_PORT"
    fi
    echo "$p" >"$RUN/port"
    mkdir -p "$RUN/home"
    (
        export PREFECT_HOME="$RUN/home"
        export PREFECT_SERVER_API_AUTH_STRING
        PREFECT_SERVER_API_AUTH_STRING=$(cat "$RUN/auth")
        export PREFECT_SERVER_ANALYTICS_ENABLED=false
        export PREFECT_API_URL="http://127.0.0.1:$p/api"
        export PREFECT_UI_API_URL="http://127.0.0.1:$p/api"
        if [ -n "${LINKVET_PREFECT_DATABASE_URL:-}" ]; then
            export PREFECT_API_DATABASE_CONNECTION_URL=$LINKVET_PREFECT_DATABASE_URL
        else
            export PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:///$RUN/home/prefect.db"
        fi
        unset PREFECT_API_AUTH_STRING
        launch server "$VENV/bin/prefect" server start --host 127.0.0.1 --port "$p"
    )
    say "server starting on http://127.0.0.1:$p (log $RUN/server.log)"
}

wait_healthy() {
    local waited=0
    until healthy; do
        alive "$RUN/server.pid" || die "server exited: $(tail -5 "$RUN/server.log")"
        [ "$waited" -ge "$START_TIMEOUT" ] && die "server not healthy after ${START_TIMEOUT}s"
        sleep 1
        waited=$((waited + 1))
    done
    say "server healthy after ${waited}s"
}

start_worker() {
    if alive "$RUN/worker.pid"; then
        say "worker already running (pid $(cat "$RUN/worker.pid"))"
        return
    fi
    (
        client_env
        export PREFECT_WORKER_QUERY_SECONDS=${PREFECT_WORKER_QUERY_SECONDS:-5}
        cd "$REPO"
        launch worker "$VENV/bin/prefect" worker start --pool "$POOL" --type process \
            --name "linkvet-worker-$(port)"
    )
    say "worker started on pool $POOL (log $RUN/worker.log)"
}

deploy() {
    (
        client_env
        cd "$REPO"
        "$VENV/bin/linkvet" deploy --pool "$POOL" --crawl-slots "$SLOTS"
    ) >>"$RUN/deploy.log" 2>&1 || die "deploy failed: $(tail -5 "$RUN/deploy.log")"
    say "deployments registered (log $RUN/deploy.log)"
}

stop_one() {
    local name=$1 pidfile="$RUN/$1.pid" pid
    if ! alive "$pidfile"; then
        rm -f "$pidfile"
        return
    fi
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
    say "$name stopped"
}

case "${1:-}" in
start)
    [ -x "$VENV/bin/prefect" ] || die "no $VENV/bin/prefect: create the venv first (make demo)"
    mkdir -p "$RUN"
    ensure_auth
    start_server
    wait_healthy
    deploy
    start_worker
    ;;
stop)
    stop_one worker
    stop_one server
    ;;
status)
    for name in server worker; do
        if alive "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"
        else echo "$name: stopped"; fi
    done
    if [ -s "$RUN/auth" ] && healthy; then echo "api: healthy at $(api_url)"
    else echo "api: not answering at $(api_url)"; fi
    ;;
env)
    [ -s "$RUN/auth" ] || die "no $RUN/auth: run '$0 start' first"
    # The secret stays in its file: the printed lines read it when evaluated.
    echo "export PREFECT_API_URL=$(api_url)"
    echo "export PREFECT_API_AUTH_STRING=\"\$(cat '$RUN/auth')\""
    ;;
*)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
