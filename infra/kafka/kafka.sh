#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for linkvet.
#
#   infra/kafka/kafka.sh start|stop|status|classpath
#
# Settings (environment):
#   LINKVET_KAFKA_PORT             client (PLAINTEXT) port on 127.0.0.1        default 19092
#   LINKVET_KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1          default PORT+1
#   LINKVET_KAFKA_DATA             data dir: config, logs, partitions, pid     default <repo>/.run/kafka-PORT
#   LINKVET_KAFKA_HEAP             JVM heap (-Xms/-Xmx)                        default 512m
#   LINKVET_KAFKA_START_TIMEOUT    seconds to wait for the broker to serve     default 60
#   LINKVET_KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before KILL   default 30
#
# The jars come from Maven Central through pom.xml into infra/kafka/lib (resolved on first use).
# Each data dir is one broker: several brokers can run at once with different ports and dirs.
set -euo pipefail

KAFKA_HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$KAFKA_HOME_DIR/../.." && pwd)"
readonly KAFKA_HOME_DIR REPO_DIR
readonly LIB_DIR="$KAFKA_HOME_DIR/lib"
readonly LIB_STAMP="$LIB_DIR/.pom.sha256"
readonly BUILD_DIR="$KAFKA_HOME_DIR/target"

readonly PORT="${LINKVET_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${LINKVET_KAFKA_CONTROLLER_PORT:-}"
readonly HEAP="${LINKVET_KAFKA_HEAP:-512m}"
readonly START_TIMEOUT="${LINKVET_KAFKA_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${LINKVET_KAFKA_STOP_TIMEOUT:-30}"
DATA_DIR="${LINKVET_KAFKA_DATA:-$REPO_DIR/.run/kafka-$PORT}"

die() {
    echo "kafka.sh: error: $*" >&2
    exit 1
}

info() {
    echo "kafka.sh: $*" >&2
}

usage() {
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

check_settings() {
    local name value
    for name in PORT START_TIMEOUT STOP_TIMEOUT; do
        value="${!name}"
        [[ "$value" =~ ^[0-9]+$ ]] ||
            die "LINKVET_KAFKA_$name='$value' is not a whole number; unset it or give digits only"
    done
    CONTROLLER_PORT="${CONTROLLER_PORT:-$((PORT + 1))}"
    readonly CONTROLLER_PORT
    [[ "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] ||
        die "LINKVET_KAFKA_CONTROLLER_PORT='$CONTROLLER_PORT' is not a whole number; unset it or give digits only"
    ((PORT >= 1 && PORT <= 65535)) || die "LINKVET_KAFKA_PORT=$PORT is not a TCP port (1-65535)"
    ((CONTROLLER_PORT >= 1 && CONTROLLER_PORT <= 65535)) ||
        die "controller port $CONTROLLER_PORT is not a TCP port; set LINKVET_KAFKA_CONTROLLER_PORT"
    ((PORT != CONTROLLER_PORT)) ||
        die "client and controller ports are both $PORT; set LINKVET_KAFKA_CONTROLLER_PORT to another port"
    [[ "$HEAP" =~ ^[0-9]+[kKmMgG]$ ]] ||
        die "LINKVET_KAFKA_HEAP='$HEAP' is not a JVM size; use e.g. 512m or 1g"
    DATA_DIR="$(realpath -m -- "$DATA_DIR")"
    readonly DATA_DIR
    readonly PID_FILE="$DATA_DIR/kafka.pid"
    readonly CONFIG_FILE="$DATA_DIR/server.properties"
    readonly LOG_DIR="$DATA_DIR/logs"
    readonly KRAFT_DIR="$DATA_DIR/kraft-logs"
}

require_java() {
    command -v java >/dev/null ||
        die "java not found; install Java 17 or newer (apt-get install openjdk-17-jre-headless)"
    local version
    version="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
    [[ -n "$version" && "$version" -ge 17 ]] ||
        die "Kafka 4.x needs Java 17 or newer, found '${version:-unknown}'; put a newer java first on PATH"
}

# Fills lib/ with the broker's runtime jars when it is missing or pom.xml changed.
# Resolution goes to a scratch dir and is swapped in whole, under a lock, so two brokers
# starting at once on a fresh machine neither race nor see a half-filled lib/.
ensure_lib() {
    local want
    want="$(sha256sum "$KAFKA_HOME_DIR/pom.xml" | cut -d' ' -f1)"
    if [[ -f "$LIB_STAMP" && "$(cat "$LIB_STAMP")" == "$want" ]]; then
        return 0
    fi
    mkdir -p "$BUILD_DIR"
    exec 8>"$BUILD_DIR/resolve.lock"
    flock 8
    if [[ -f "$LIB_STAMP" && "$(cat "$LIB_STAMP")" == "$want" ]]; then
        exec 8>&-
        return 0
    fi
    command -v mvn >/dev/null ||
        die "Maven (mvn) not found and $LIB_DIR is missing or stale; install it (apt-get install maven)"
    info "resolving the Kafka broker jars with Maven into $LIB_DIR (first run only)"
    local scratch="$BUILD_DIR/lib.$$"
    rm -rf "$scratch"
    local mvn_log="$BUILD_DIR/resolve.log"
    if ! (cd "$KAFKA_HOME_DIR" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$scratch" >"$mvn_log" 2>&1); then
        rm -rf "$scratch"
        tail -n 30 "$mvn_log" >&2
        die "Maven could not resolve the jars in $KAFKA_HOME_DIR/pom.xml (full output: $mvn_log); check access to Maven Central (or mirrors in ~/.m2/settings.xml) and rerun"
    fi
    ls "$scratch"/kafka_2.13-*.jar >/dev/null 2>&1 ||
        die "Maven finished but no kafka_2.13 jar is in $scratch; check pom.xml"
    echo "$want" >"$scratch/.pom.sha256"
    rm -rf "$LIB_DIR.old"
    if [[ -d "$LIB_DIR" ]]; then
        mv "$LIB_DIR" "$LIB_DIR.old"
    fi
    mv "$scratch" "$LIB_DIR"
    rm -rf "$LIB_DIR.old"
    exec 8>&-
}

write_config() {
    cat >"$CONFIG_FILE" <<EOF
# Generated by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KRAFT_DIR

num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Sized for a shared 2-core development machine, not for production load.
num.network.threads=2
num.io.threads=4
log.cleaner.dedupe.buffer.size=33554432
log.retention.hours=168
EOF
}

# Prints the pid of this data dir's broker if it is alive, else nothing (and drops a stale pid file).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && is_alive "$pid" &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONFIG_FILE"; then
        echo "$pid"
    else
        rm -f "$PID_FILE"
    fi
}

# kill -0 also succeeds on a zombie (our own just-died child): read the process state instead.
is_alive() {
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

broker_ready() {
    if command -v kcat >/dev/null; then
        timeout 10 kcat -L -b "127.0.0.1:$PORT" -m 3 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$PORT"
    else
        grep -q "Kafka Server started" "$LOG_DIR/server.log" 2>/dev/null && port_in_use "$PORT"
    fi
}

print_log_tail() {
    local file
    for file in "$LOG_DIR/console.out" "$LOG_DIR/server.log"; do
        if [[ -s "$file" ]]; then
            echo "----- last lines of $file -----" >&2
            tail -n 30 "$file" >&2
        fi
    done
}

format_storage() {
    [[ -f "$KRAFT_DIR/meta.properties" ]] && return 0
    local cluster_id
    cluster_id="$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/console.out")" ||
        die "StorageTool random-uuid failed; see $LOG_DIR/console.out"
    info "formatting $KRAFT_DIR for cluster $cluster_id"
    java -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$KAFKA_HOME_DIR/log4j2.properties" \
        -Dkafka.logs.dir="$LOG_DIR" \
        kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_FILE" --ignore-formatted \
        >>"$LOG_DIR/console.out" 2>&1 ||
        { print_log_tail; die "formatting storage in $KRAFT_DIR failed; remove $DATA_DIR and retry"; }
}

cmd_start() {
    mkdir -p "$DATA_DIR" || die "cannot create data dir $DATA_DIR; set LINKVET_KAFKA_DATA to a writable dir"
    exec 9>"$DATA_DIR/.kafka.sh.lock"
    flock 9
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        if broker_ready; then
            info "already running (pid $pid) on 127.0.0.1:$PORT, data in $DATA_DIR"
            return 0
        fi
        info "already started (pid $pid), waiting for it to accept clients"
    else
        require_java
        ensure_lib
        local p
        for p in "$PORT" "$CONTROLLER_PORT"; do
            if port_in_use "$p"; then
                die "port $p on 127.0.0.1 is already in use by another process; pick free ports with LINKVET_KAFKA_PORT (controller: LINKVET_KAFKA_CONTROLLER_PORT)"
            fi
        done
        mkdir -p "$LOG_DIR" "$KRAFT_DIR"
        write_config
        format_storage
        : >"$LOG_DIR/console.out"
        # setsid + nohup: the broker outlives the calling shell and ignores its Ctrl-C/hang-up.
        # The data dir stays in the command line so `pgrep -f <data dir>` finds this broker.
        nohup setsid java \
            -Xms"$HEAP" -Xmx"$HEAP" \
            -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
            -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
            -Dlog4j2.configurationFile="$KAFKA_HOME_DIR/log4j2.properties" \
            -Dkafka.logs.dir="$LOG_DIR" \
            -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE" \
            >>"$LOG_DIR/console.out" 2>&1 </dev/null 9>&- &
        pid=$!
        echo "$pid" >"$PID_FILE"
        info "started broker pid $pid on 127.0.0.1:$PORT (controller $CONTROLLER_PORT), data in $DATA_DIR"
    fi
    local deadline=$((SECONDS + START_TIMEOUT))
    until broker_ready; do
        if ! is_alive "$pid"; then
            rm -f "$PID_FILE"
            print_log_tail
            die "the broker exited during start-up; see the log lines above and $LOG_DIR"
        fi
        if ((SECONDS >= deadline)); then
            print_log_tail
            die "the broker (pid $pid) did not accept clients on 127.0.0.1:$PORT within ${START_TIMEOUT}s; it is left running for inspection, stop it with: LINKVET_KAFKA_PORT=$PORT LINKVET_KAFKA_DATA=$DATA_DIR $0 stop"
        fi
        sleep 0.3
    done
    info "ready: bootstrap 127.0.0.1:$PORT"
}

cmd_stop() {
    if [[ ! -d "$DATA_DIR" ]]; then
        info "not running (no data dir $DATA_DIR)"
        return 0
    fi
    exec 9>"$DATA_DIR/.kafka.sh.lock"
    flock 9
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        info "not running (data dir $DATA_DIR)"
        return 0
    fi
    info "stopping broker pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while is_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            info "broker pid $pid still alive ${STOP_TIMEOUT}s after SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            # A killed process can linger for a moment before the kernel reaps it.
            local reap_deadline=$((SECONDS + 5))
            while is_alive "$pid" && ((SECONDS < reap_deadline)); do
                sleep 0.1
            done
            break
        fi
        sleep 0.2
    done
    if is_alive "$pid"; then
        die "broker pid $pid survived SIGKILL; inspect it with: ps -o pid,stat,cmd -p $pid"
    fi
    rm -f "$PID_FILE"
    info "stopped"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "running (pid $pid) bootstrap 127.0.0.1:$PORT data $DATA_DIR"
        return 0
    fi
    echo "stopped (data $DATA_DIR)"
    return 1
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
    start)
        check_settings
        cmd_start
        ;;
    stop)
        check_settings
        cmd_stop
        ;;
    status)
        check_settings
        cmd_status
        ;;
    classpath)
        ensure_lib
        echo "$LIB_DIR/*"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage
        die "unknown command '${cmd}'; use one of: start stop status classpath"
        ;;
    esac
}

main "$@"
