#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for linkvet.
#
#   infra/kafka/kafka.sh start|stop|status|classpath|env
#
# Settings (environment):
#   LINKVET_KAFKA_PORT             client port on 127.0.0.1                    default 19092
#   LINKVET_KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1          default PORT+1
#   LINKVET_KAFKA_DATA             data dir: config, logs, partitions, pid     default <repo>/.run/kafka-PORT
#   LINKVET_KAFKA_HEAP             JVM heap (-Xms/-Xmx)                        default 512m
#   LINKVET_KAFKA_START_TIMEOUT    seconds to wait for the broker to serve     default 60
#   LINKVET_KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before KILL   default 30
#   LINKVET_KAFKA_SECURITY         client listener: plaintext, scram (SASL_PLAINTEXT,
#                                  SCRAM-SHA-512) or scram-tls (SASL_SSL)       default plaintext
#   LINKVET_KAFKA_SASL_USERNAME    SCRAM user created at format time           default linkvet
#   LINKVET_KAFKA_SASL_PASSWORD    its password; when unset one is generated into
#                                  DATA/scram-password (mode 600) on first start
#
# With scram-tls a private CA and broker keystore are made by tls.sh into DATA/tls; clients
# trust DATA/tls/ca.crt. The controller listener stays PLAINTEXT on 127.0.0.1. Security is fixed
# when the data dir is formatted. `env` prints the linkvet settings for this broker (the password
# is read from its file when evaluated); DATA/client.properties (mode 600) configures kcat -F.
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
readonly SECURITY="${LINKVET_KAFKA_SECURITY:-plaintext}"
readonly SASL_USER="${LINKVET_KAFKA_SASL_USERNAME:-linkvet}"
SASL_PASSWORD="${LINKVET_KAFKA_SASL_PASSWORD:-}"
DATA_DIR="${LINKVET_KAFKA_DATA:-$REPO_DIR/.run/kafka-$PORT}"
LOG_OFFSET=0

die() {
    echo "kafka.sh: error: $*" >&2
    exit 1
}

info() {
    echo "kafka.sh: $*" >&2
}

usage() {
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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
    readonly SECURITY_FILE="$DATA_DIR/security"
    readonly PASSWORD_FILE="$DATA_DIR/scram-password"
    readonly TLS_DIR="$DATA_DIR/tls"
    readonly CLIENT_CONFIG="$DATA_DIR/client.properties"
    case "$SECURITY" in
    plaintext) PROTOCOL=PLAINTEXT ;;
    scram) PROTOCOL=SASL_PLAINTEXT ;;
    scram-tls) PROTOCOL=SASL_SSL ;;
    *) die "LINKVET_KAFKA_SECURITY='$SECURITY' is not known; use plaintext, scram or scram-tls" ;;
    esac
    readonly PROTOCOL
    if [[ "$SECURITY" != plaintext ]]; then
        [[ "$SASL_USER" =~ ^[A-Za-z0-9._-]+$ ]] ||
            die "LINKVET_KAFKA_SASL_USERNAME='$SASL_USER' may only hold letters, digits, '.', '_' and '-'"
        check_password "$SASL_PASSWORD"
    fi
}

# The password goes into StorageTool's --add-scram value and a JAAS line: characters that mean
# something there (quotes, brackets, commas, '=', backslash, spaces) are refused, not escaped.
check_password() {
    [[ -z "$1" || "$1" =~ ^[A-Za-z0-9._~+/@%:-]{8,}$ ]] ||
        die "LINKVET_KAFKA_SASL_PASSWORD must be 8 or more of letters, digits and ._~+/@%:- (no quotes, brackets, commas, '=' or spaces); unset it to have one generated"
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

# A data dir is formatted for one security mode (SCRAM users live in its metadata log).
check_security_mode() {
    [[ -f "$KRAFT_DIR/meta.properties" ]] || return 0
    local formatted=plaintext
    [[ -f "$SECURITY_FILE" ]] && formatted="$(cat "$SECURITY_FILE")"
    [[ "$formatted" == "$SECURITY" ]] ||
        die "$DATA_DIR was formatted with LINKVET_KAFKA_SECURITY=$formatted, not $SECURITY; use that mode or another LINKVET_KAFKA_DATA"
}

# Settles the SCRAM password: the one stored at format time wins and the environment may only
# repeat it; a new data dir takes the environment's or a generated one (kept, mode 600).
resolve_password() {
    [[ "$SECURITY" == plaintext ]] && return 0
    if [[ -s "$PASSWORD_FILE" ]]; then
        local stored
        stored="$(cat "$PASSWORD_FILE")"
        [[ -z "$SASL_PASSWORD" || "$SASL_PASSWORD" == "$stored" ]] ||
            die "LINKVET_KAFKA_SASL_PASSWORD differs from the one $DATA_DIR was formatted with ($PASSWORD_FILE); SCRAM users are fixed at format time: unset it or use another LINKVET_KAFKA_DATA"
        SASL_PASSWORD="$stored"
    elif [[ -f "$KRAFT_DIR/meta.properties" ]]; then
        die "$DATA_DIR is formatted but $PASSWORD_FILE is missing; restore it or use another LINKVET_KAFKA_DATA"
    else
        if [[ -z "$SASL_PASSWORD" ]]; then
            SASL_PASSWORD="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
        fi
        (umask 077 && printf '%s' "$SASL_PASSWORD" >"$PASSWORD_FILE")
    fi
    chmod 600 "$PASSWORD_FILE"
}

ensure_tls() {
    [[ "$SECURITY" == scram-tls ]] || return 0
    "$KAFKA_HOME_DIR/tls.sh" "$TLS_DIR" || die "could not make the TLS files in $TLS_DIR"
}

# An empty file, mode 600, before any secret is written to it.
private_file() {
    (umask 077 && : >"$1")
    chmod 600 "$1"
}

write_config() {
    private_file "$CONFIG_FILE"
    cat >"$CONFIG_FILE" <<EOF
# Generated by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=$PROTOCOL://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$PROTOCOL://127.0.0.1:$PORT
listener.security.protocol.map=$PROTOCOL:$PROTOCOL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$PROTOCOL
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
    if [[ "$SECURITY" != plaintext ]]; then
        local prefix
        prefix="listener.name.$(tr '[:upper:]' '[:lower:]' <<<"$PROTOCOL")"
        cat >>"$CONFIG_FILE" <<EOF

# SCRAM-SHA-512 on the client listener; the broker talks to itself as the same user.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
$prefix.sasl.enabled.mechanisms=SCRAM-SHA-512
$prefix.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SASL_USER" password="$SASL_PASSWORD";
EOF
    fi
    if [[ "$SECURITY" == scram-tls ]]; then
        local store_pass
        store_pass="$(cat "$TLS_DIR/store-password")"
        cat >>"$CONFIG_FILE" <<EOF
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$store_pass
ssl.key.password=$store_pass
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$store_pass
ssl.endpoint.identification.algorithm=https
EOF
    fi
    write_client_config
}

# librdkafka properties for `kcat -F` (the readiness probe uses it): secrets stay out of argv.
write_client_config() {
    private_file "$CLIENT_CONFIG"
    {
        echo "bootstrap.servers=127.0.0.1:$PORT"
        echo "security.protocol=$(tr '[:upper:]' '[:lower:]' <<<"$PROTOCOL")"
        if [[ "$SECURITY" != plaintext ]]; then
            echo "sasl.mechanisms=SCRAM-SHA-512"
            echo "sasl.username=$SASL_USER"
            echo "sasl.password=$SASL_PASSWORD"
        fi
        if [[ "$SECURITY" == scram-tls ]]; then
            echo "ssl.ca.location=$TLS_DIR/ca.crt"
        fi
    } >"$CLIENT_CONFIG"
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

# kcat 1.7 (librdkafka < 2.6.1) fails SCRAM against Kafka 4.x brokers (edenhill/kcat#462):
# with SCRAM on, readiness is read from the broker's own log instead.
broker_ready() {
    if [[ "$SECURITY" == plaintext ]] && command -v kcat >/dev/null; then
        timeout 10 kcat -F "$CLIENT_CONFIG" -L -m 3 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$PORT"
    else
        # Only lines this start wrote count: the log keeps earlier runs.
        tail -c +"$((LOG_OFFSET + 1))" "$LOG_DIR/server.log" 2>/dev/null |
            grep -q "Kafka Server started" && port_in_use "$PORT"
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
    info "formatting $KRAFT_DIR for cluster $cluster_id (security: $SECURITY)"
    # The arguments go through a java @argfile (mode 600, removed after use) so the SCRAM
    # password never shows in the process list.
    local args="$DATA_DIR/.format.args"
    private_file "$args"
    {
        echo "-cp"
        echo "\"$LIB_DIR/*\""
        echo "\"-Dlog4j2.configurationFile=$KAFKA_HOME_DIR/log4j2.properties\""
        echo "\"-Dkafka.logs.dir=$LOG_DIR\""
        echo "kafka.tools.StorageTool format -t $cluster_id --ignore-formatted"
        echo "-c \"$CONFIG_FILE\""
        if [[ "$SECURITY" != plaintext ]]; then
            echo "--add-scram \"SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]\""
        fi
    } >"$args"
    if ! java "@$args" >>"$LOG_DIR/console.out" 2>&1; then
        rm -f "$args"
        print_log_tail
        die "formatting storage in $KRAFT_DIR failed; remove $DATA_DIR and retry"
    fi
    rm -f "$args"
    echo "$SECURITY" >"$SECURITY_FILE"
}

cmd_start() {
    mkdir -p "$DATA_DIR" || die "cannot create data dir $DATA_DIR; set LINKVET_KAFKA_DATA to a writable dir"
    exec 9>"$DATA_DIR/.kafka.sh.lock"
    flock 9
    check_security_mode
    resolve_password
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
        ensure_tls
        write_config
        format_storage
        : >"$LOG_DIR/console.out"
        LOG_OFFSET="$(stat -c %s "$LOG_DIR/server.log" 2>/dev/null || echo 0)"
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
    info "ready: bootstrap 127.0.0.1:$PORT ($PROTOCOL)"
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
        local proto=""
        [[ "$SECURITY" == plaintext ]] || proto=" ($PROTOCOL)"
        echo "running (pid $pid) bootstrap 127.0.0.1:$PORT$proto data $DATA_DIR"
        return 0
    fi
    echo "stopped (data $DATA_DIR)"
    return 1
}

# The linkvet client settings for this broker, for eval: the password is read from its file
# when the lines are evaluated, so it is never printed.
cmd_env() {
    echo "export LINKVET_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT"
    echo "export LINKVET_KAFKA_SECURITY_PROTOCOL=$PROTOCOL"
    [[ "$SECURITY" == plaintext ]] && return 0
    [[ -s "$PASSWORD_FILE" ]] || die "no $PASSWORD_FILE yet: run '$0 start' first"
    echo "export LINKVET_KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
    echo "export LINKVET_KAFKA_SASL_USERNAME=$SASL_USER"
    echo "export LINKVET_KAFKA_SASL_PASSWORD=\"\$(cat '$PASSWORD_FILE')\""
    if [[ "$SECURITY" == scram-tls ]]; then
        echo "export LINKVET_KAFKA_SSL_CAFILE=$TLS_DIR/ca.crt"
    fi
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
    env)
        check_settings
        cmd_env
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
        die "unknown command '${cmd}'; use one of: start stop status classpath env"
        ;;
    esac
}

main "$@"
