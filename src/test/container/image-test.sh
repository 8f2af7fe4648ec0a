#!/usr/bin/env bash
# Container image test: builds the REAL src/main/docker/Dockerfile.jvm and runs the image as a container runtime
# would, against a dev vault process. No Docker daemon and no registry here, and `podman run` cannot start
# containers in this sandbox (crun cannot set rlimits/cgroups), so:
#   - the base is a JRE image made from Debian's packages (debootstrap minbase + openjdk-17-jre-headless, imported
#     with `podman import`; cached in podman's storage between runs), passed as --build-arg BASE_IMAGE;
#   - the image is built with `podman build --isolation chroot`;
#   - its filesystem is exported (`podman create` + `podman export`) and the image's ENTRYPOINT is started the way a
#     runtime starts it: new PID namespace (the entrypoint, then the server it execs, is PID 1), chroot into the
#     image, uid 185, the image's ENV and WORKDIR, the host's loopback (so the dev vault on 127.0.0.1 answers).
# Three starts share one /data: (1) @kv: in the container environment, write_env creates /data/.env;
# (2) @kv: in the environment and in /data/.env; (3) a reference to a missing secret must stop the start.
# Needs root (CI runs as root), service/target/quarkus-app and the dev-vault jar (./mvnw -B verify or
# ./mvnw -B -pl service -am package -DskipTests). Installs podman/debootstrap when missing.
# Settings: KVCONFIG_IMAGE_TEST_BASE (base image name), KVCONFIG_IMAGE_TEST_REBUILD_BASE=1 (ignore the cached
# base), KVCONFIG_DEBIAN_MIRROR (debootstrap mirror; default: the host's apt source). Secret values are random per
# run, kept in 0600 files and never printed; the closing line is "N passed, N failed".
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
BASE_IMAGE=${KVCONFIG_IMAGE_TEST_BASE:-localhost/kvconfig-test-jre17:bookworm}
APP_IMAGE=localhost/kvconfig-service-jvm:image-test-$$
SERVICE_APP=$REPO/service/target/quarkus-app
DEV_VAULT_JAR=$REPO/dev-vault/target/kvconfig-dev-vault-1.0.0-SNAPSHOT.jar
START_TIMEOUT=150 # s, one container start (resolver JVM + server) on a loaded 2-core machine
STOP_TIMEOUT=30   # s, SIGTERM to exit

passed=0
failed=0
WORK=""
VAULT_PID=""
CPID=""
CID=""
APP_BUILT=0
T0=$SECONDS

log() { printf 'image-test: %s\n' "$*"; }
pass() {
  passed=$((passed + 1))
  printf 'ok   - %s\n' "$1"
}
fail() {
  failed=$((failed + 1))
  printf 'FAIL - %s\n' "$*"
}
check() { # check NAME CMD...: pass when CMD succeeds
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
fatal() { # a step the rest depends on failed: count it and stop
  fail "$*"
  exit 1
}

# Prints the last lines of a log file, without any line holding a test secret value.
show() {
  local file=$1 n=${2:-25}
  [[ -f $file ]] || return 0
  echo "----- last lines of $(basename "$file") (lines with a secret value left out) -----"
  if [[ -s $WORK/values ]]; then
    tail -n "$n" "$file" | grep -v -F -f "$WORK/values" || true
  else
    tail -n "$n" "$file"
  fi
  echo "-----"
}

stop_container() {
  if [[ -n $CPID ]] && kill -0 "$CPID" 2>/dev/null; then
    local init
    init=$(ns_init "$CPID")
    # SIGKILL of a PID namespace's init ends every process in it
    [[ -n $init ]] && kill -KILL "$init" 2>/dev/null || true
    kill -KILL "$CPID" 2>/dev/null || true
    wait "$CPID" 2>/dev/null || true
  fi
  CPID=""
}

cleanup() {
  local rc=$?
  set +e
  trap - ERR
  stop_container
  if [[ -n $VAULT_PID ]] && kill -0 "$VAULT_PID" 2>/dev/null; then
    kill -TERM "$VAULT_PID"
    for _ in $(seq 1 20); do kill -0 "$VAULT_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$VAULT_PID" 2>/dev/null
    wait "$VAULT_PID" 2>/dev/null
  fi
  [[ -n $CID ]] && podman rm -f "$CID" >/dev/null 2>&1
  ((APP_BUILT)) && podman rmi -f "$APP_IMAGE" >/dev/null 2>&1
  if [[ -n $WORK && -d $WORK ]]; then
    # proc is mounted in the container's own mount namespace (gone with it); a failed debootstrap can leave
    # proc/sys mounted in the host's: unmount anything under WORK, deepest first, before removing it
    local m
    while read -r m; do umount -l "$m" 2>/dev/null; done < <(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' \
      /proc/self/mountinfo | sort -r)
    if awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
      echo "image-test: something is still mounted under $WORK; not removing it" >&2
    else
      rm -rf --one-file-system "$WORK"
    fi
  fi
  if ((rc != 0 && failed == 0)); then
    failed=$((failed + 1))
    echo "FAIL - the test script stopped early (exit $rc)"
  fi
  log "took $((SECONDS - T0)) s"
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}
trap cleanup EXIT
trap 'echo "image-test: command failed at line $LINENO" >&2' ERR

sha() { sha256sum | cut -d' ' -f1; }
random_value() { head -c 24 /dev/urandom | base64 | tr '+/' '-_'; }

# ------------------------------------------------------------------------------------------------------------
# Prerequisites
[[ $(id -u) == 0 ]] || fatal "runs as root (unshare --pid, chroot, podman storage); CI runs as root"
[[ -f $SERVICE_APP/quarkus-run.jar ]] || fatal "no $SERVICE_APP: build it first (./mvnw -B -pl service -am package -DskipTests)"
[[ -f $DEV_VAULT_JAR ]] || fatal "no $DEV_VAULT_JAR: build it first (./mvnw -B -pl dev-vault package -DskipTests)"

need=()
for c in podman:podman debootstrap:debootstrap curl:curl unshare:util-linux chroot:coreutils; do
  command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
if ((${#need[@]})); then
  log "installing ${need[*]}"
  # wait for another apt/dpkg run to finish instead of failing on its lock
  timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq || fatal "apt-get update"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=240 install -y -qq "${need[@]}" >/dev/null || fatal "apt-get install ${need[*]}"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvconfig-image-test.XXXXXX")
chmod 0700 "$WORK"
: >"$WORK/values"
chmod 0600 "$WORK/values"

# ------------------------------------------------------------------------------------------------------------
# The dev vault: a separate process on the host's loopback; started first, it comes up while the image builds
mkdir -p "$WORK/vault"
java -jar "$DEV_VAULT_JAR" --https-port 0 --token-port 0 --trust-store-dir "$WORK/vault" \
  >"$WORK/vault/out" 2>"$WORK/vault/err" </dev/null &
VAULT_PID=$!

# ------------------------------------------------------------------------------------------------------------
# The JRE base image from Debian's packages (cached in podman's storage)
if [[ ${KVCONFIG_IMAGE_TEST_REBUILD_BASE:-} != 1 ]] && podman image exists "$BASE_IMAGE"; then
  log "base image $BASE_IMAGE: cached"
else
  log "building base image $BASE_IMAGE with debootstrap (a few minutes)"
  mirror=${KVCONFIG_DEBIAN_MIRROR:-$(sed -nE 's#^URIs:[[:space:]]*([^[:space:]]+/debian)/?$#\1#p' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
  base=$WORK/base
  if ! timeout 900 debootstrap --variant=minbase --include=openjdk-17-jre-headless,bash bookworm "$base" \
    ${mirror:+"$mirror"} >"$WORK/debootstrap.log" 2>&1; then
    show "$WORK/debootstrap.log"
    fatal "debootstrap of the JRE base"
  fi
  rm -rf "${base:?}"/var/cache/apt/archives/*.deb "${base:?}"/var/lib/apt/lists/*
  # the user the UBI OpenJDK images run as (uid 185, group root)
  echo 'jboss:x:185:0:JBoss user:/home/jboss:/sbin/nologin' >>"$base/etc/passwd"
  mkdir -p "$base/home/jboss" && chown 185:0 "$base/home/jboss"
  # JAVA_HOME as the UBI images set it (the alternatives links are absolute: resolve them inside the rootfs)
  jh=$(dirname "$(dirname "$(chroot "$base" readlink -f /usr/bin/java)")")
  if ! tar -C "$base" -c . | timeout 600 podman import \
    --change "ENV JAVA_HOME=$jh" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$BASE_IMAGE" >"$WORK/import.log" 2>&1; then
    show "$WORK/import.log"
    fatal "podman import of the JRE base"
  fi
  rm -rf --one-file-system "$base"
fi
log "base ready at $((SECONDS - T0)) s"

# ------------------------------------------------------------------------------------------------------------
# Build the real Dockerfile, export its filesystem
if timeout 600 podman build --isolation chroot --pull=never --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  -f "$REPO/src/main/docker/Dockerfile.jvm" -t "$APP_IMAGE" "$REPO" >"$WORK/build.log" 2>&1; then
  APP_BUILT=1
  pass "src/main/docker/Dockerfile.jvm builds (podman build --isolation chroot, BASE_IMAGE=$BASE_IMAGE)"
else
  APP_BUILT=1
  show "$WORK/build.log" 40
  fatal "src/main/docker/Dockerfile.jvm builds"
fi

inspect() { podman image inspect --format "$1" "$APP_IMAGE"; }
IMG_USER=$(inspect '{{.Config.User}}')
IMG_WORKDIR=$(inspect '{{.Config.WorkingDir}}')
mapfile -t IMG_ENTRYPOINT < <(inspect '{{range .Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t IMG_ENV < <(inspect '{{range .Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
check "image config: USER 185, WORKDIR /data, ENTRYPOINT /deployments/entrypoint.sh, ENV DATA_DIR=/data" \
  test "$IMG_USER|$IMG_WORKDIR|${IMG_ENTRYPOINT[*]}|$(printf '%s\n' "${IMG_ENV[@]}" | grep -c '^DATA_DIR=/data$')" \
  == "185|/data|/deployments/entrypoint.sh|1"

ROOT=$WORK/rootfs
mkdir -p "$ROOT"
CID=$(podman create --pull=never "$APP_IMAGE")
if ! timeout 300 podman export "$CID" | tar -x -C "$ROOT"; then fatal "podman export of the image's filesystem"; fi
podman rm -f "$CID" >/dev/null
CID=""
# what a runtime provides: /etc/hosts (so "localhost" resolves), /proc (mounted by unshare below)
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
mkdir -p "$ROOT/proc" "$ROOT/etc/kvconfig"
log "image built and exported at $((SECONDS - T0)) s"

check "/data in the image: a directory, mode 700, owned by 185" \
  test "$(stat -c '%F %a %u' "$ROOT/data")" == "directory 700 185"

# ------------------------------------------------------------------------------------------------------------
# The dev vault's settings and secrets
for _ in $(seq 1 120); do
  grep -q '^export KEY_VAULT_NAME=' "$WORK/vault/out" 2>/dev/null && break
  kill -0 "$VAULT_PID" 2>/dev/null || break
  sleep 0.5
done
grep -q '^export KEY_VAULT_NAME=' "$WORK/vault/out" || {
  show "$WORK/vault/err"
  fatal "dev vault started within 60 s"
}
vault_var() { sed -nE "s/^export $1=(.*)$/\\1/p" "$WORK/vault/out"; }
VAULT_URL=$(vault_var KEY_VAULT_URL)
IDENTITY_ENDPOINT=$(vault_var IDENTITY_ENDPOINT)
IDENTITY_HEADER=$(vault_var IDENTITY_HEADER)
CA=$WORK/vault/ca.pem
# the CA a deployment would mount into the container (a private CA, here the dev vault's)
cp "$CA" "$ROOT/etc/kvconfig/ca.pem"
chmod 0644 "$ROOT/etc/kvconfig/ca.pem"

vault_token() {
  curl -sf --max-time 30 -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
    "$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://vault.azure.net" |
    sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
# set_secret NAME: a new random value, stored in the vault and in $WORK/secret.NAME (0600); the value goes through
# files only, never a command line or the output
set_secret() {
  local name=$1 value token code
  value=$(random_value)
  (umask 077 && printf '%s' "$value" >"$WORK/secret.$name" && printf '%s\n' "$value" >>"$WORK/values" &&
    printf '{"value":"%s"}' "$value" >"$WORK/body.json")
  token=$(vault_token)
  code=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' --cacert "$CA" -X PUT \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary "@$WORK/body.json" \
    "$VAULT_URL/secrets/$name?api-version=7.4")
  rm -f "$WORK/body.json"
  [[ $code == 200 ]] || fatal "seeding dev vault secret $name (HTTP $code)"
}
# vault_value_sha NAME: sha256 of the secret's latest value in the dev vault
vault_value_sha() {
  local token
  token=$(vault_token)
  curl -sf --max-time 30 --cacert "$CA" -H "Authorization: Bearer $token" "$VAULT_URL/secrets/$1/?api-version=7.4" |
    sed -nE 's/^\{"value":"([^"]*)".*/\1/p' | tr -d '\n' | sha
}
file_sha() { sha <"$WORK/secret.$1"; }

set_secret admin-secret
set_secret bot-app-password
cp "$WORK/secret.admin-secret" "$WORK/secret.admin-first"
# the values write_env will store (through the admin API, not seeded)
for v in github-token admin-second; do
  (umask 077 && random_value | tr -d '\n' >"$WORK/secret.$v" && cat "$WORK/secret.$v" >>"$WORK/values" && echo >>"$WORK/values")
done
log "dev vault ready at $((SECONDS - T0)) s ($VAULT_URL)"

# ------------------------------------------------------------------------------------------------------------
# Running the image as a container
ns_init() { # the host pid of the PID namespace's init (unshare --fork's child)
  cat "/proc/$1/task/$1/children" 2>/dev/null | tr -d ' '
}

# start_container NAME [NAME=VALUE...]: the image's ENV, then these (as `-e`), PID 1 = the image's ENTRYPOINT
start_container() {
  local name=$1 home
  shift
  home=$(awk -F: -v u="$IMG_USER" '$3 == u { print $6 }' "$ROOT/etc/passwd")
  # env -i: nothing of the host's environment; `env --chdir` inside the image: the WORKDIR, as a runtime sets it
  unshare --pid --fork --mount-proc="$ROOT/proc" \
    env -i "${IMG_ENV[@]}" "HOSTNAME=kvconfig-image-test" "HOME=${home:-/}" "$@" \
    chroot --userspec="$IMG_USER:0" "$ROOT" /usr/bin/env --chdir="$IMG_WORKDIR" "${IMG_ENTRYPOINT[@]}" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
  CPID=$!
  PORT=""
  INIT=""
}

# wait_started NAME: until the server listens (sets PORT) or the container ends; bounded
wait_started() {
  local name=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    PORT=$(sed -nE 's/.*Listening on: http:\/\/[^ ]*:([0-9]+).*/\1/p' "$WORK/$name.out" 2>/dev/null | head -n1)
    [[ -n $PORT ]] && break
    kill -0 "$CPID" 2>/dev/null || break
    sleep 0.5
  done
  INIT=$(ns_init "$CPID")
  [[ -n $PORT && -n $INIT ]]
}

# stop_with_sigterm NAME: SIGTERM to the container's PID 1, the way `docker stop` does; bounded
stop_with_sigterm() {
  local name=$1 deadline=$((SECONDS + STOP_TIMEOUT)) rc=0
  kill -TERM "$INIT"
  while ((SECONDS < deadline)) && kill -0 "$CPID" 2>/dev/null; do sleep 0.2; done
  if kill -0 "$CPID" 2>/dev/null; then
    fail "$name: SIGTERM to PID 1 stops the server within $STOP_TIMEOUT s (still running)"
    show "$WORK/$name.out"
    stop_container
    return
  fi
  wait "$CPID" || rc=$?
  CPID=""
  # the JVM ends on SIGTERM through its shutdown hooks (Quarkus stops the app) with 128+15
  if [[ $rc == 143 ]] && grep -q 'kvconfig-service stopped in' "$WORK/$name.out"; then
    pass "$name: SIGTERM to PID 1 stops the server (graceful shutdown logged, exit 143, within $STOP_TIMEOUT s)"
  else
    fail "$name: SIGTERM to PID 1 stops the server gracefully (exit $rc)"
    show "$WORK/$name.out"
  fi
}

# api NAME METHOD PATH TOKEN-FILE|- [BODY-FILE]: sets CODE (the HTTP status, 000 without an answer) and RESP (the
# file with the body, $WORK/NAME.resp.N)
api_n=0
api() {
  local name=$1 method=$2 path=$3 token=$4 body=${5:-} args=()
  api_n=$((api_n + 1))
  RESP=$WORK/$name.resp.$api_n
  if [[ $token != - ]]; then
    # the header from a file: the token stays off the command line
    (umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$token")" >"$WORK/auth.hdr")
    args+=(-H "@$WORK/auth.hdr")
  fi
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  CODE=$(curl -s --max-time 60 -o "$RESP" -w '%{http_code}' -X "$method" "${args[@]}" "http://127.0.0.1:$PORT$path" || true)
  rm -f "$WORK/auth.hdr"
}

# setting_json NAME KEY: the object of KEY in the last GET /api/settings answer of that run
setting_json() { grep -oE "\\{\"key\":\"$2\"[^}]*\\}" "$SETTINGS" || true; }

# env_sha PID NAME: sha256 of NAME's value in the process's environment (read by root from /proc, never shown)
env_sha() { grep -z -m1 "^$2=" "/proc/$1/environ" | tr -d '\0' | cut -d= -f2- | tr -d '\n' | sha; }
no_reference_in_env() { ! grep -z -q -E '^[^=]*=[[:space:]]*@kv\??:' "/proc/$1/environ"; }

# Checks of a running container: PID 1 is the server, as uid 185, in the image's root and workdir
check_pid1() {
  local name=$1 status
  status=$(grep -E '^(NSpid|Uid):' "/proc/$INIT/status" | tr -s '\t ' ' ')
  if [[ $(cat "/proc/$INIT/comm") == java && $status == *"NSpid: $INIT 1"* && $status == *"Uid: 185 185 185 185"* &&
    $(readlink "/proc/$INIT/root") == "$ROOT" && $(readlink "/proc/$INIT/cwd") == "$ROOT/data" ]]; then
    pass "$name: PID 1 of the container is the server (java, exec'd by the entrypoint), uid 185, cwd /data"
  else
    fail "$name: PID 1 of the container is the server as uid 185 (comm $(cat "/proc/$INIT/comm"), $status)"
  fi
}
check_health() {
  local name=$1 code
  api "$name" GET /health -
  code=$CODE
  if [[ $code == 200 ]] && grep -q '"status":"ok"' "$RESP"; then
    pass "$name: GET /health answers 200 {\"status\":\"ok\"}"
  else
    fail "$name: GET /health answers 200 (HTTP $code)"
  fi
}

# ---- start 1: @kv: references in the container environment only; no /data/.env yet ------------------------
RUN=start1
# what a deployment sets (cf. src/main/docker/README.md): the vault, its managed identity endpoint (App Service /
# Container Apps style), the trust for the dev vault's private CA; port 0 = a free port (host network)
VAULT_ENV=("KEY_VAULT_URL=$VAULT_URL" "IDENTITY_ENDPOINT=$IDENTITY_ENDPOINT" "IDENTITY_HEADER=$IDENTITY_HEADER"
  "QUARKUS_KVCONFIG_TLS_TRUST_STORE=/etc/kvconfig/ca.pem" "QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION=false"
  "QUARKUS_HTTP_PORT=0")
start_container $RUN "${VAULT_ENV[@]}" "ADMIN_SECRET=@kv:admin-secret"
if wait_started $RUN; then
  pass "$RUN: the container starts (@kv:admin-secret in its environment) and the server listens (port $PORT)"
  check_pid1 $RUN
  check_health $RUN

  api $RUN GET /api/settings -
  c1=$CODE
  echo wrong-token >"$WORK/wrong-token"
  api $RUN GET /api/settings "$WORK/wrong-token"
  c2=$CODE
  api $RUN GET /api/settings "$WORK/secret.admin-first"
  c3=$CODE
  SETTINGS=$RESP
  check "$RUN: admin API: no token 401, wrong token 401, the resolved @kv:admin-secret value 200 (got $c1 $c2 $c3)" \
    test "$c1 $c2 $c3" == "401 401 200"
  s=$(setting_json $RUN ADMIN_SECRET)
  check "$RUN: GET /api/settings: ADMIN_SECRET comes from the environment, as a value (no reference left), not shown" \
    test "$s" == '{"key":"ADMIN_SECRET","secret":true,"reference":null,"value":null,"source":"environment"}'
  check "$RUN: the server's environment holds the resolved ADMIN_SECRET (sha256 compared) and no @kv: value" \
    eval '[[ $(env_sha "$INIT" ADMIN_SECRET) == $(file_sha admin-first) ]] && no_reference_in_env "$INIT"'

  # write_env through the admin API: two secret keys to Key Vault, one plain setting; creates /data/.env
  (umask 077 && printf '{"GITHUB_TOKEN":"%s","ADMIN_SECRET":"%s","LOG_LEVEL":"INFO"}' \
    "$(cat "$WORK/secret.github-token")" "$(cat "$WORK/secret.admin-second")" >"$WORK/put.json")
  api $RUN PUT /api/settings "$WORK/secret.admin-first" "$WORK/put.json"
  c=$CODE
  rm -f "$WORK/put.json"
  if [[ $c == 200 ]] && grep -q '{"key":"GITHUB_TOKEN","stored":"keyvault","reference":"@kv:github-token"}' "$RESP" &&
    grep -q '{"key":"ADMIN_SECRET","stored":"keyvault","reference":"@kv:admin-secret"}' "$RESP" &&
    grep -q '{"key":"LOG_LEVEL","stored":"env","reference":null}' "$RESP"; then
    pass "$RUN: PUT /api/settings (write_env) stores GITHUB_TOKEN and ADMIN_SECRET in Key Vault, LOG_LEVEL in .env"
  else
    fail "$RUN: PUT /api/settings (write_env) answers 200 with the changes (HTTP $c)"
  fi
  check "$RUN: the dev vault holds what write_env stored (github-token, admin-secret: sha256 compared)" \
    eval '[[ $(vault_value_sha github-token) == $(file_sha github-token) && $(vault_value_sha admin-secret) == $(file_sha admin-second) ]]'
  # .env is created by the service (write_env, running as the image's user), not by the image or this test: that
  # is how it comes to exist in a deployment, and its mode and owner are the service's doing
  check "$RUN: /data/.env created by the service: regular file, mode 600, owned by 185" \
    test "$(stat -c '%F %a %u' "$ROOT/data/.env" 2>&1)" == "regular file 600 185"
  check "$RUN: /data/.env holds @kv: references and the plain setting, and no secret value" \
    eval '[[ -f $ROOT/data/.env ]] && grep -qx "GITHUB_TOKEN=@kv:github-token" "$ROOT/data/.env" && grep -qx "ADMIN_SECRET=@kv:admin-secret" "$ROOT/data/.env" &&
      grep -qx "LOG_LEVEL=INFO" "$ROOT/data/.env" && ! grep -q -F -f "$WORK/values" "$ROOT/data/.env"'
  stop_with_sigterm $RUN
else
  fail "$RUN: the container starts and the server listens within $START_TIMEOUT s"
  show "$WORK/$RUN.err"
  show "$WORK/$RUN.out"
  stop_container
fi

# ---- start 2: @kv: references in the environment AND in /data/.env -------------------------------------------
RUN=start2
env_sha_before=$(sha 2>/dev/null <"$ROOT/data/.env" || true)
# ADMIN_SECRET now only from /data/.env (@kv:admin-secret, its new version); BOT_APP_PASSWORD from the environment
start_container $RUN "${VAULT_ENV[@]}" "BOT_APP_PASSWORD=@kv:bot-app-password"
if wait_started $RUN; then
  pass "$RUN: the container starts (@kv: in its environment and in /data/.env) and the server listens"
  check "$RUN: the entrypoint loaded /data/.env and resolved the 3 references (environment + .env) in one run" \
    eval 'grep -qx "entrypoint: loaded /data/.env" "$WORK/$RUN.err" && grep -q "resolved 3 references to 3 secrets" "$WORK/$RUN.err"'
  check_pid1 $RUN
  check_health $RUN
  api $RUN GET /api/settings "$WORK/secret.admin-first"
  c1=$CODE
  api $RUN GET /api/settings "$WORK/secret.admin-second"
  c2=$CODE
  SETTINGS=$RESP
  check "$RUN: admin API takes the new admin secret from /data/.env's @kv:admin-secret (old 401, new 200; got $c1 $c2)" \
    test "$c1 $c2" == "401 200"
  ok=1
  # the value the entrypoint resolved wins (environment), and the reference that /data/.env holds is still shown
  for k in GITHUB_TOKEN ADMIN_SECRET; do
    ref="@kv:$(tr 'A-Z_' 'a-z-' <<<"$k")"
    [[ $(setting_json $RUN $k) == "{\"key\":\"$k\",\"secret\":true,\"reference\":\"$ref\",\"value\":null,\"source\":\"environment\"}" ]] || ok=0
  done
  # BOT_APP_PASSWORD's reference was only in the container environment, which the server sees resolved
  [[ $(setting_json $RUN BOT_APP_PASSWORD) == '{"key":"BOT_APP_PASSWORD","secret":true,"reference":null,"value":null,"source":"environment"}' ]] || ok=0
  [[ $(setting_json $RUN LOG_LEVEL) == '{"key":"LOG_LEVEL","secret":false,"reference":null,"value":"INFO","source":"environment"}' ]] || ok=0
  check "$RUN: GET /api/settings: GITHUB_TOKEN, BOT_APP_PASSWORD, ADMIN_SECRET resolved into the environment (not shown, .env references listed), LOG_LEVEL=INFO" \
    test $ok == 1
  check "$RUN: the server's environment holds the resolved values (sha256 of GITHUB_TOKEN, BOT_APP_PASSWORD, ADMIN_SECRET) and no @kv: value" \
    eval '[[ $(env_sha "$INIT" GITHUB_TOKEN) == $(file_sha github-token) && $(env_sha "$INIT" BOT_APP_PASSWORD) == $(file_sha bot-app-password) &&
      $(env_sha "$INIT" ADMIN_SECRET) == $(file_sha admin-second) ]] && no_reference_in_env "$INIT"'
  check "$RUN: /data/.env unchanged by the start (only read), still mode 600, owned by 185" \
    eval '[[ -f $ROOT/data/.env && $(sha <"$ROOT/data/.env") == "$env_sha_before" && $(stat -c "%a %u" "$ROOT/data/.env") == "600 185" ]]'
  stop_with_sigterm $RUN
else
  fail "$RUN: the container starts and the server listens within $START_TIMEOUT s"
  show "$WORK/$RUN.err"
  show "$WORK/$RUN.out"
  stop_container
fi

# ---- start 3: a reference to a secret that does not exist stops the container before the server starts --------
RUN=start3
start_container $RUN "${VAULT_ENV[@]}" "ACS_CONNECTION_STRING=@kv:no-such-secret"
deadline=$((SECONDS + START_TIMEOUT))
while ((SECONDS < deadline)) && kill -0 "$CPID" 2>/dev/null; do sleep 0.5; done
if kill -0 "$CPID" 2>/dev/null; then
  fail "$RUN: a missing secret ends the container within $START_TIMEOUT s (still running)"
  show "$WORK/$RUN.err"
  stop_container
else
  rc=0
  wait "$CPID" || rc=$?
  CPID=""
  if ((rc != 0)) && ! grep -q 'Listening on' "$WORK/$RUN.out" &&
    grep -q "ACS_CONNECTION_STRING" "$WORK/$RUN.err" && grep -q "no-such-secret" "$WORK/$RUN.err" &&
    grep -q "not starting" "$WORK/$RUN.err"; then
    pass "$RUN: @kv:no-such-secret stops the container before the server starts (exit $rc, variable and secret named)"
  else
    fail "$RUN: @kv:no-such-secret stops the container before the server starts, naming it (exit $rc)"
    show "$WORK/$RUN.err"
  fi
fi

# ---- no secret value anywhere in what the containers and the API said ---------------------------------------
shopt -s nullglob
outputs=("$WORK"/start*.out "$WORK"/start*.err "$WORK"/start*.resp.*)
if grep -q -F -f "$WORK/values" "${outputs[@]}" 2>/dev/null; then
  fail "no secret value in the containers' output or the API answers (found in: $(grep -l -F -f "$WORK/values" "${outputs[@]}" | xargs -n1 basename | tr '\n' ' '))"
else
  pass "no secret value in the containers' output or any API answer (${#outputs[@]} files)"
fi
