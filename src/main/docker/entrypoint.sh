#!/usr/bin/env bash
# Container entrypoint of the kvconfig service image:
#   1. loads the .env ($ENV_FILE, else $DATA_DIR/.env, else ./.env) into the environment, the way the service
#      reads it: variables already set in the container environment win over the file (as in the service:
#      environment ordinal 300 > .env 296). The file is only read, never modified;
#   2. resolves every environment variable whose value is a @kv: reference (any form the extension accepts)
#      with the project's own resolver (io.kvconfig.runtime.cli.ResolveEnvMain: same credential chain,
#      retries, deadline, firewall allowlisting when KEY_VAULT_RG is set, and error report). Values travel
#      through a pipe as NUL-terminated records, never through disk, stdout, stderr or the logs;
#   3. execs the command given as arguments, or the Quarkus server, so it replaces this shell (PID 1 in the
#      container) and receives the signals.
# SIGTERM or SIGINT before step 3 (e.g. `docker stop` while the resolver waits for Key Vault) stops the resolver and
# exits 143 (TERM) or 130 (INT) without starting anything. As PID 1 this shell would otherwise ignore them.
# Any reference that cannot be resolved stops the container before the server starts, with one message
# naming each variable, its secret and the reason. KVCONFIG_ALLOW_UNRESOLVED=true starts anyway, with the
# failed variables removed (stated on stderr).
#
# Settings (environment): APP_HOME (default /deployments), DATA_DIR, ENV_FILE, KEY_VAULT_URL or
# QUARKUS_KVCONFIG_URL, QUARKUS_KVCONFIG_* (credential, trust store, timeout), KEY_VAULT_RG (allowlisting),
# KVCONFIG_ALLOW_UNRESOLVED, KVCONFIG_CLASSPATH (resolver classpath, default the app's lib/boot + lib/main),
# KVCONFIG_JAVA_OPTS (resolver JVM options), JAVA_OPTS / JAVA_OPTS_APPEND (server JVM options).
set -euo pipefail
{ set +x; } 2>/dev/null # tracing would print resolved values

log() { printf 'entrypoint: %s\n' "$*" >&2; }
die() {
  local rc=$1
  shift
  log "$*"
  # a resolver still running (bad record) has nobody left to read its pipe
  if [[ -n ${resolver_pid:-} ]]; then kill -TERM "$resolver_pid" 2>/dev/null || true; fi
  exit "$rc"
}
shell_name() { [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die 70 "resolver sent an invalid variable name"; }

# --- signals before the server runs ---------------------------------------------------------------------------
# PID 1 gets no default action for TERM/INT, so without a handler a stopped container would keep resolving until
# the deadline and then start the server anyway. The handler stops the resolver (TERM, then KILL after 10 s),
# reaps it and exits; bash runs it at once even while `read` or `wait` blocks on the resolver.
resolver_pid=
resolver_before=
on_signal() {
  trap '' TERM INT # a second signal must not cut the clean-up short
  # a signal between the resolver's start and `resolver_pid=$!`: $! already names it
  if [[ -z $resolver_pid && -n $resolver_before && ${!:-} != "${resolver_before#x}" ]]; then resolver_pid=$!; fi
  if [[ -n $resolver_pid ]]; then
    kill -TERM "$resolver_pid" 2>/dev/null || true
    local tries=0
    while kill -0 "$resolver_pid" 2>/dev/null && ((tries++ < 100)); do sleep 0.1; done
    kill -KILL "$resolver_pid" 2>/dev/null || true
    wait "$resolver_pid" 2>/dev/null || true
  fi
  log "stopped by SIG$1 before the server started; not starting"
  exit "$2"
}
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

APP_HOME=${APP_HOME:-/deployments}
java_cmd=${JAVA_HOME:+$JAVA_HOME/bin/}java

# --- 1. .env -----------------------------------------------------------------------------------------------
if [[ -n ${ENV_FILE:-} ]]; then
  env_file=$ENV_FILE
elif [[ -n ${DATA_DIR:-} ]]; then
  env_file=$DATA_DIR/.env
else
  env_file=./.env
fi
if [[ -f $env_file ]]; then
  declare -A preset=()
  while IFS= read -r name; do
    if [[ -v $name ]]; then preset[$name]=${!name}; fi
  done < <(compgen -e)
  set +u
  set -a
  # shellcheck source=/dev/null
  . "$env_file"
  set +a
  set -u
  # the container environment wins over the file
  for name in "${!preset[@]}"; do
    if [[ ${!name-} != "${preset[$name]}" ]]; then export "$name=${preset[$name]}"; fi
  done
  unset preset name
  resolver_pid= resolver_before= # the handler's variables, whatever the file said
  log "loaded $env_file"
elif [[ -n ${ENV_FILE:-} ]]; then
  die 66 "ENV_FILE=$ENV_FILE does not exist"
fi

# --- 2. @kv: references in the environment -----------------------------------------------------------------
has_refs=0
while IFS= read -r name; do
  v=${!name-}
  v=${v#"${v%%[![:space:]]*}"}
  if [[ $v == '@kv:'* || $v == '@kv?:'* ]]; then
    has_refs=1
    break
  fi
done < <(compgen -e)
unset v name

if ((has_refs)); then
  classpath=${KVCONFIG_CLASSPATH:-$APP_HOME/lib/boot/*:$APP_HOME/lib/main/*}
  # --enable-native-access: on Java 24+ the credential chain's JNA (keyring access) would print restricted-method
  # WARNING lines next to the one report; Java 17 accepts the flag
  read -r -a resolver_opts <<<"${KVCONFIG_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto --enable-native-access=ALL-UNNAMED}"
  set_names=()
  set_values=()
  unset_names=()
  done_seen=0
  # The resolver writes its records to fd 3, the pipe read here; its stdout is sent to stderr so nothing
  # else can mix into the records. Values are applied only after the success marker.
  # The pipe is opened on its own descriptor so the resolver's PID is known (for the signal handler) before
  # the first read.
  resolver_before=x${!:-}
  exec {resolver_fd}< <(exec "$java_cmd" "${resolver_opts[@]}" -cp "$classpath" io.kvconfig.runtime.cli.ResolveEnvMain \
    --output /dev/fd/3 3>&1 1>&2)
  resolver_pid=$!
  resolver_before=
  while IFS= read -r -d '' -u "$resolver_fd" rec; do
    case $rec in
      S*)
        rec=${rec:1}
        set_names+=("${rec%%=*}")
        set_values+=("${rec#*=}")
        ;;
      U*) unset_names+=("${rec:1}") ;;
      .done) done_seen=1 ;;
      *) die 70 "unexpected record from the resolver" ;;
    esac
  done
  exec {resolver_fd}<&-
  rc=0
  wait "$resolver_pid" || rc=$?
  resolver_pid=
  unset rec resolver_fd
  # the marker proves the resolver finished; 127 from wait = the status was already collected
  if ((!done_seen)) || { ((rc != 0)) && ((rc != 127)); }; then
    ((rc != 0 && rc != 127)) || rc=1
    die "$rc" "Key Vault references in the environment could not be resolved (see above); not starting"
  fi
  for name in "${unset_names[@]}"; do
    shell_name "$name"
    unset "$name"
  done
  for i in "${!set_names[@]}"; do
    shell_name "${set_names[$i]}"
    export "${set_names[$i]}=${set_values[$i]}"
  done
  unset set_names set_values unset_names done_seen rc i name classpath resolver_opts
fi
unset has_refs

# --- 3. the server (or the given command) replaces this shell --------------------------------------------------
# from here on the server handles its own signals
trap - TERM INT
if (($# > 0)); then
  exec "$@"
fi
read -r -a java_opts <<<"${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-}"
exec "$java_cmd" "${java_opts[@]}" -jar "$APP_HOME/quarkus-run.jar"
