#!/usr/bin/env bash
# A private CA and a broker certificate for a local Kafka broker, made with keytool.
#
#   infra/kafka/tls.sh DIR [HOST...]
#
# Writes into DIR (created with mode 700; every file mode 600):
#   ca.crt            the CA certificate (PEM): what clients trust (LINKVET_KAFKA_SSL_CAFILE)
#   ca.p12            the CA key pair (PKCS12), only needed to sign another broker certificate
#   broker.p12        the broker's key and certificate chain (PKCS12 keystore)
#   truststore.p12    the CA certificate as a PKCS12 truststore (the broker's own client side)
#   store-password    the password of the three PKCS12 files (generated)
# The broker certificate names 127.0.0.1 and localhost plus every HOST given (a name or an
# IPv4 address), so clients that check host names (kafka-python does) accept it.
# Existing files are kept: run it again with a fresh DIR to make new ones.
set -euo pipefail

die() {
    echo "tls.sh: error: $*" >&2
    exit 1
}

readonly DAYS=3650
readonly KEYALG=(-keyalg RSA -keysize 2048)

main() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || die "usage: $0 DIR [HOST...]"
    shift
    command -v keytool >/dev/null ||
        die "keytool not found; install a Java 17 JDK or JRE (apt-get install openjdk-17-jre-headless)"
    if [[ -s "$dir/broker.p12" && -s "$dir/ca.crt" && -s "$dir/truststore.p12" ]]; then
        return 0
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    umask 077
    local pass
    if [[ ! -s "$dir/store-password" ]]; then
        pass="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
        printf '%s' "$pass" >"$dir/store-password"
    fi
    chmod 600 "$dir/store-password"
    pass="$(cat "$dir/store-password")"
    # keytool reads store passwords from the environment (:env), so they never sit in argv.
    export LINKVET_TLS_STORE_PASSWORD="$pass"
    local pw=(-storepass:env LINKVET_TLS_STORE_PASSWORD -keypass:env LINKVET_TLS_STORE_PASSWORD)

    local san="ip:127.0.0.1,dns:localhost" host
    for host in "$@"; do
        if [[ "$host" =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then
            san+=",ip:$host"
        else
            san+=",dns:$host"
        fi
    done

    rm -f "$dir/ca.p12" "$dir/broker.p12" "$dir/truststore.p12" "$dir/ca.crt" "$dir/broker.csr" \
        "$dir/broker.crt"
    keytool -genkeypair -noprompt -alias ca "${KEYALG[@]}" -validity "$DAYS" \
        -dname "CN=linkvet local Kafka CA" -ext bc:c -ext ku:c=keyCertSign,cRLSign \
        -keystore "$dir/ca.p12" -storetype PKCS12 "${pw[@]}" 2>/dev/null ||
        die "keytool could not create the CA key pair in $dir/ca.p12"
    keytool -exportcert -rfc -alias ca -keystore "$dir/ca.p12" -storetype PKCS12 \
        -storepass:env LINKVET_TLS_STORE_PASSWORD -file "$dir/ca.crt" 2>/dev/null ||
        die "keytool could not export the CA certificate to $dir/ca.crt"

    keytool -genkeypair -noprompt -alias broker "${KEYALG[@]}" -validity "$DAYS" \
        -dname "CN=127.0.0.1" -keystore "$dir/broker.p12" -storetype PKCS12 "${pw[@]}" \
        2>/dev/null || die "keytool could not create the broker key pair in $dir/broker.p12"
    keytool -certreq -alias broker -keystore "$dir/broker.p12" -storetype PKCS12 \
        -storepass:env LINKVET_TLS_STORE_PASSWORD -file "$dir/broker.csr" 2>/dev/null ||
        die "keytool could not write the broker's certificate request"
    keytool -gencert -alias ca -keystore "$dir/ca.p12" -storetype PKCS12 \
        -storepass:env LINKVET_TLS_STORE_PASSWORD -validity "$DAYS" -rfc \
        -ext "san=$san" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth \
        -infile "$dir/broker.csr" -outfile "$dir/broker.crt" 2>/dev/null ||
        die "keytool could not sign the broker certificate with the CA"
    # The chain goes in CA first, so the signed reply is accepted onto the broker key.
    keytool -importcert -noprompt -alias ca -file "$dir/ca.crt" -keystore "$dir/broker.p12" \
        -storetype PKCS12 -storepass:env LINKVET_TLS_STORE_PASSWORD >/dev/null 2>&1 ||
        die "keytool could not add the CA to $dir/broker.p12"
    keytool -importcert -noprompt -alias broker -file "$dir/broker.crt" \
        -keystore "$dir/broker.p12" -storetype PKCS12 \
        -storepass:env LINKVET_TLS_STORE_PASSWORD >/dev/null 2>&1 ||
        die "keytool could not install the signed certificate into $dir/broker.p12"
    keytool -importcert -noprompt -alias ca -file "$dir/ca.crt" -keystore "$dir/truststore.p12" \
        -storetype PKCS12 -storepass:env LINKVET_TLS_STORE_PASSWORD >/dev/null 2>&1 ||
        die "keytool could not write $dir/truststore.p12"
    rm -f "$dir/broker.csr"
    chmod 600 "$dir"/*
    echo "tls.sh: CA $dir/ca.crt, broker keystore $dir/broker.p12 (names: $san)" >&2
}

main "$@"
