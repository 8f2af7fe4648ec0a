#!/usr/bin/env bash
# The benchmark harness (issue 7). One command:
#
#   ./benchmarks/run.sh            full run: N = 0,1,10,50,100 and 100 refs -> 10 secrets, parallelism 100
#                                  and 1 side by side, 5 starts each, then the admin API load run
#   ./benchmarks/run.sh --smoke    CI smoke: N = 0,1, one start each, 2 s load runs (proves it runs)
#   ./benchmarks/run.sh --breakdown   where the first secret's cost goes (issue 14): 0 vs 1 reference, 3 starts
#                                  each (--runs), classes by library, CPU by thread kind, wall time by phase, RSS
#                                  by cause, for app-kv and (when built) the packaged service; writes breakdown.md
#                                  + breakdown.csv to --out (no startup/load run; about 5 minutes on 2 cores)
#   ./benchmarks/run.sh --floor   the first secret's floor on a JVM (issue 14): the challenge, the token and Get Secret
#                                  with nothing but the JDK (benchmarks/floor/OneSecretFloor.java), --runs starts (5)
#                                  plus as many of main() doing nothing; writes floor.md to --out (under a minute)
#   ./benchmarks/run.sh --service-jvm   issue 14 §2 lever 3: the packaged service, 0 vs 1 reference, on Java 17 and 25,
#                                  plain vs Quarkus's AppCDS archive (17) and the JDK's AOT cache (25), plus archives
#                                  recorded by one start with 1 reference; rows interleaved, 3 starts each (--runs).
#                                  Builds the service twice (Java 17 with quarkus.package.jar.appcds.enabled into
#                                  service/target/quarkus-app, Java 25 with quarkus.package.jar.aot.enabled into
#                                  service/target/aot25; --no-build reuses them); writes service-jvm.md + .csv to --out.
#                                  --service-variants j17,appcds17,... picks rows; JAVA25_HOME names the Java 25 JDK
#   ./benchmarks/run.sh --fleet    a fleet start (issue 14 §3): K replicas x N secrets, each replica its own clients,
#                                  credential, connection and resolver (the project's own), in ONE harness process,
#                                  against one dev vault enforcing Key Vault's service limit (4,000 secrets
#                                  transactions per 10 s); writes fleet.md to --out (about 9 minutes). Builds the
#                                  checkout's dev-vault and runtime (package, no install) and runs on those classes.
#                                  --fleet-rows "10x100 50x100 ..." (REPLICASxSECRETS[@LIMIT][/property=value,...]:
#                                  @LIMIT = the vault's budget per 10 s for that row; the property is
#                                  quarkus.kvconfig.<property> for every replica of that row)
#
# Options: --runs N (5)  --warmup N (1)  --latency-ms MS (20)  --duration S (load seconds per run, 10)
#          --refs 0,1,10,50,100  --parallelism 100,1  --sweep 16,32,64 (more parallelisms at the largest N)
#          --variants c1,appcds|none (JVM-option rows)
#          --credentials managed-identity,env-default,env-managed-identity|none (1-reference credential rows;
#            env-X = identity endpoint from the process environment, so the SDK's own credential X runs)
#          --no-install (project already installed)
#          --jvm-opts "OPTS" (--breakdown only: extra JVM options for the app, e.g. to measure a lever)
#          --no-startup  --no-load  --out DIR (default benchmarks/results, smoke: benchmarks/target/smoke)
#
# Everything runs on this machine, on loopback only: the dev vault, the apps, the service and wrk.
# Every load run is bounded by wrk's -d (at most 10 s) and by `timeout`.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/benchmarks"
cd "$ROOT"

ARGS="$*"
SMOKE=false BREAKDOWN=false FLOOR=false FLEET=false SERVICE_JVM=false BUILD=true SERVICE_VARIANTS=j17,appcds17,appcds17-trained,j25,j25-aotjar,aot25,aot25-trained RUNS_SET=false JVM_OPTS="" RUNS=5 WARMUP=1 LATENCY_MS=20 DURATION=10 REFS=0,1,10,50,100 PAR=100,1 SHARED=100:10
CRED_CASE=managed-identity,env-default,env-managed-identity VARIANTS=c1,appcds SWEEP=16,32,64 INSTALL=true STARTUP=true LOAD=true OUT=""
# One replica (the price of the small first fan-out on a single start), Key Vault's own limit, then the same 2.5 x
# budget scaled down (limit 160 / 400 per 10 s: the vault is the bottleneck even when the harness's 2 cores are not
# enough to send 10,000 GETs in the window; 4 x 100 @ 160 and 10 x 100 @ 400 keep 100 x 100 @ 4,000's ratios of
# replicas and GETs to the budget); each with the first fan-out at parallelism (initial-parallelism=100) beside it
FLEET_ROWS="1x100 1x100/initial-parallelism=100 10x100 50x100 100x10 100x100 100x100/initial-parallelism=100 \
4x100@160 4x100@160/initial-parallelism=100 10x100@400 10x100@400/initial-parallelism=100 100x10@400"
SERVICE_LIMIT=4000 SERVICE_LIMIT_WINDOW_MS=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=true; RUNS=1; WARMUP=0; DURATION=2; REFS=0,1; SHARED=none; CRED_CASE=none; VARIANTS=none; SWEEP="" ;;
    --breakdown) BREAKDOWN=true; STARTUP=false; LOAD=false ;;
    --floor) FLOOR=true; STARTUP=false; LOAD=false ;;
    --fleet) FLEET=true; STARTUP=false; LOAD=false; INSTALL=false ;;
    --service-jvm) SERVICE_JVM=true; STARTUP=false; LOAD=false; INSTALL=false ;;
    --service-variants) SERVICE_VARIANTS="$2"; shift ;;
    --no-build) BUILD=false ;;
    --fleet-rows) FLEET_ROWS="$2"; shift ;;
    --runs) RUNS="$2"; RUNS_SET=true; shift ;;
    --jvm-opts) JVM_OPTS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --latency-ms) LATENCY_MS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --refs) REFS="$2"; shift ;;
    --parallelism) PAR="$2"; shift ;;
    --variants) VARIANTS="$2"; shift ;;
    --sweep) SWEEP="$2"; shift ;;
    --credentials) CRED_CASE="$2"; shift ;;
    --shared) SHARED="$2"; shift ;;
    --no-install) INSTALL=false ;;
    --no-startup) STARTUP=false ;;
    --no-load) LOAD=false ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
if ($BREAKDOWN || $SERVICE_JVM) && ! $RUNS_SET; then RUNS=3; fi
JAVA25_HOME="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ "$DURATION" -gt 10 ]; then echo "--duration is capped at 10 s per load run" >&2; DURATION=10; fi
if [ -z "$OUT" ]; then
  if $SMOKE; then OUT="$BENCH/target/smoke"; else OUT="$BENCH/results"; fi
fi
WORK="$BENCH/target/work"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
# a breakdown, service-jvm or fleet run leaves the last full run's files alone
$BREAKDOWN || $FLOOR || $FLEET || $SERVICE_JVM || rm -f "$OUT/startup.md" "$OUT/startup.csv" "$OUT/load.md" "$OUT/latest.md"

log() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

# ---------------------------------------------------------------- build
if $INSTALL; then
  log "installing the project (./mvnw -B -q install -DskipTests)"
  ./mvnw -B -q install -DskipTests
fi
if $FLEET; then
  # The dev vault's service-limit mode and the resolver under test are the checkout's own, not what ~/.m2 holds from
  # the last install: package dev-vault and runtime here (no install), and compile the harness against those classes.
  log "fleet: packaging the checkout's dev-vault and runtime (no install), compiling the harness against them"
  ./mvnw -B -o -q -pl dev-vault,runtime -am package -DskipTests
  ./mvnw -B -o -q -pl runtime org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/runtime.cp" >/dev/null
  FLEET_CP="$ROOT/dev-vault/target/classes:$ROOT/dev-vault/target/lib/*:$ROOT/runtime/target/classes:$(cat "$WORK/runtime.cp")"
  mkdir -p "$WORK/fleet-classes"
  javac -nowarn -encoding UTF-8 --release 17 -cp "$FLEET_CP" -d "$WORK/fleet-classes" \
    "$BENCH"/harness/src/main/java/io/kvconfig/bench/*.java
  HARNESS_CP="$WORK/fleet-classes:$FLEET_CP"
elif $SERVICE_JVM; then
  if $BUILD; then
    # the same checkout built twice, packaged (not installed): Java 17 + Quarkus's AppCDS archive in the usual place,
    # Java 25 + Quarkus's AOT cache (aot-jar packaging, cache recorded at build time) in service/target/aot25
    log "service-jvm: building the service on Java 17 with quarkus.package.jar.appcds.enabled=true"
    ./mvnw -B -o -q -pl service -am package -DskipTests -Dquarkus.package.jar.appcds.enabled=true
    if [ -x "$JAVA25_HOME/bin/java" ]; then
      log "service-jvm: building the service on Java 25 with quarkus.package.jar.aot.enabled=true (into service/target/aot25)"
      JAVA_HOME="$JAVA25_HOME" PATH="$JAVA25_HOME/bin:$PATH" ./mvnw -B -o -q -pl service -am package -DskipTests \
        -Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.phase=BUILD -Dquarkus.package.jar.aot.type=AOT \
        -Dquarkus.package.output-directory=aot25
    else
      echo "no Java 25 at $JAVA25_HOME (set JAVA25_HOME): the Java 25 rows are left out" >&2
    fi
  fi
  log "building the benchmark harness"
  ./mvnw -B -q -f benchmarks/pom.xml -pl harness package -DskipTests
  HARNESS_CP="$BENCH/harness/target/bench-harness.jar:$BENCH/harness/target/lib/*"
else
  log "building the benchmark harness and apps"
  ./mvnw -B -q -f benchmarks/pom.xml package -DskipTests
  HARNESS_CP="$BENCH/harness/target/bench-harness.jar:$BENCH/harness/target/lib/*"
fi
PLAIN_JAR="$BENCH/app-plain/target/quarkus-app/quarkus-run.jar"
KV_JAR="$BENCH/app-kv/target/quarkus-app/quarkus-run.jar"
SERVICE_JAR="$ROOT/service/target/quarkus-app/quarkus-run.jar"

if $LOAD && ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
fi

# ---------------------------------------------------------------- dev vault
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# a fresh random admin token for the service, only in this process's environment
BENCH_ADMIN_SECRET="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BENCH_ADMIN_SECRET

log "starting the dev vault (added latency ${LATENCY_MS} ms)"
VAULT_OPTS=()
if $FLEET; then VAULT_OPTS=(--service-limit "$SERVICE_LIMIT" --service-limit-window-ms "$SERVICE_LIMIT_WINDOW_MS"); fi
java -cp "$HARNESS_CP" io.kvconfig.bench.BenchVault --dir "$WORK/vault" --latency-ms "$LATENCY_MS" --secrets 100 \
  "${VAULT_OPTS[@]}" >"$WORK/vault.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do
  [ -f "$WORK/vault/vault.env" ] && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$WORK/vault.log" >&2; echo "dev vault exited" >&2; exit 1; }
  sleep 0.2
done
[ -f "$WORK/vault/vault.env" ] || { cat "$WORK/vault.log" >&2; echo "dev vault not ready after 60 s" >&2; exit 1; }
# shellcheck disable=SC1091
. "$WORK/vault/vault.env"   # VAULT_URL IDENTITY_ENDPOINT IDENTITY_HEADER TRUST_STORE TRUST_STORE_PASSWORD STATS_URL
cat "$WORK/vault.log"

KV_PROPS=(
  "-Dquarkus.kvconfig.url=$VAULT_URL"
  "-Dquarkus.kvconfig.credential.identity-endpoint=$IDENTITY_ENDPOINT"
  "-Dquarkus.kvconfig.credential.identity-header=$IDENTITY_HEADER"
  "-Dquarkus.kvconfig.tls.trust-store=$TRUST_STORE"
  "-Dquarkus.kvconfig.tls.trust-store-password=$TRUST_STORE_PASSWORD"
  "-Dquarkus.kvconfig.challenge-resource-verification=false"
)

# ---------------------------------------------------------------- breakdown (issue 14 §1)
if $BREAKDOWN; then
  log "breakdown: 0 vs 1 reference, $RUNS start(s) each after $WARMUP warm-up round(s), every start instrumented"
  STATUS=0
  java -cp "$HARNESS_CP" io.kvconfig.bench.Breakdown \
    --vault-env "$WORK/vault/vault.env" --work "$WORK/breakdown" --kv-jar "$KV_JAR" --service-jar "$SERVICE_JAR" \
    --runs "$RUNS" --warmup "$WARMUP" --jvm-opts "$JVM_OPTS" \
    --out-md "$OUT/breakdown.md" --out-csv "$OUT/breakdown.csv" || STATUS=1
  {
    echo
    echo "- command: \`./benchmarks/run.sh${ARGS:+ $ARGS}\`; commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  } >>"$OUT/breakdown.md"
  log "report: $OUT/breakdown.md"
  exit "$STATUS"
fi

# ---------------------------------------------------------------- the floor: one secret with the JDK only (issue 14)
if $FLOOR; then
  log "floor: the challenge, the token and Get Secret with nothing but the JDK, $RUNS start(s) each, after $WARMUP warm-up"
  mkdir -p "$WORK/floor"
  javac -nowarn --release 17 -d "$WORK/floor" "$BENCH/floor/OneSecretFloor.java"
  ROWS=()
  for i in $(seq 1 $((WARMUP + RUNS))); do
    IDLE=$(java -cp "$WORK/floor" OneSecretFloor --idle)
    READ=$(java -cp "$WORK/floor" OneSecretFloor "$VAULT_URL" "$IDENTITY_ENDPOINT" "$IDENTITY_HEADER" "$TRUST_STORE" \
      "$TRUST_STORE_PASSWORD" bench-s-000)
    READ1=$(java -cp "$WORK/floor" OneSecretFloor --url-connection "$VAULT_URL" "$IDENTITY_ENDPOINT" "$IDENTITY_HEADER" \
      "$TRUST_STORE" "$TRUST_STORE_PASSWORD" bench-s-000)
    READT=$(java -cp "$WORK/floor" OneSecretFloor --tls-only --url-connection "$VAULT_URL" "$IDENTITY_ENDPOINT" \
      "$IDENTITY_HEADER" "$TRUST_STORE" "$TRUST_STORE_PASSWORD" bench-s-000)
    echo "$IDLE | $READ | $READ1 | $READT"
    [ "$i" -gt "$WARMUP" ] && ROWS+=("$IDLE|$READ|$READ1|$READT")
  done
  {
    echo "### The first secret's floor on a JVM: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Process CPU (all threads) and wall time from \`main()\` until the value arrived; each row its own JVM, default flags."
    echo
    echo "| start | main() doing nothing: CPU ms | java.net.http (HTTP/2), first read: wall ms | CPU ms | second read, new client: wall ms | CPU ms | HttpsURLConnection (HTTP/1.1), first read: wall ms | CPU ms | second read, new client: wall ms | CPU ms | the same after 10 plain-HTTP requests (TLS's first use): wall ms | CPU ms | RSS MB at main() → after the first read → after the second (HttpsURLConnection) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    n=0
    for r in "${ROWS[@]}"; do
      n=$((n + 1))
      idle=$(cut -d'|' -f1 <<<"$r" | sed -E 's/.*first: idle wall_ms=[0-9]+ cpu_ms=([0-9]+).*/\1/')
      h2=$(cut -d'|' -f2 <<<"$r")
      h1=$(cut -d'|' -f3 <<<"$r")
      cols() { sed -E 's/.*first: [^=]*wall_ms=([0-9]+) cpu_ms=([0-9]+) .*second: [^=]*wall_ms=([0-9]+) cpu_ms=([0-9]+) .*/\1 | \2 | \3 | \4/' <<<"$1"; }
      ht=$(cut -d'|' -f4 <<<"$r")
      rss=$(sed -E 's/.*start_rss_mb=([0-9]+) first: [^|]*rss_mb=([0-9]+) second: [^|]*rss_mb=([0-9]+).*/\1 → \2 → \3/' <<<"$h1")
      echo "| $n | $idle | $(cols "$h2") | $(cols "$h1") | $(cols "$ht" | cut -d'|' -f1-2) | $rss |"
    done
    echo
    echo "- command: \`./benchmarks/run.sh${ARGS:+ $ARGS}\`; commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); dev vault latency ${LATENCY_MS} ms per HTTPS response"
    echo "- machine: $(nproc) cores, JVM: $(java -version 2>&1 | head -2 | tail -1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$OUT/floor.md"
  cat "$OUT/floor.md"
  log "report: $OUT/floor.md"
  exit 0
fi

# ---------------------------------------------------------------- the service on Java 17/25, with archives (issue 14 §2 lever 3)
if $SERVICE_JVM; then
  log "service-jvm: rows $SERVICE_VARIANTS, 0 and 1 reference, $RUNS start(s) each after $WARMUP warm-up round(s)"
  STATUS=0
  java -cp "$HARNESS_CP" io.kvconfig.bench.ServiceJvmBench \
    --vault-env "$WORK/vault/vault.env" --work "$WORK/service-jvm" --variants "$SERVICE_VARIANTS" \
    --app17 "$ROOT/service/target/quarkus-app" --app25 "$ROOT/service/target/aot25" --java25 "$JAVA25_HOME" \
    --runs "$RUNS" --warmup "$WARMUP" --out-md "$OUT/service-jvm.md" --out-csv "$OUT/service-jvm.csv" || STATUS=1
  {
    echo
    echo "- command: \`./benchmarks/run.sh${ARGS:+ $ARGS}\`; commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr); Java 17: $(java -version 2>&1 | head -2 | tail -1); Java 25: $("$JAVA25_HOME/bin/java" -version 2>&1 | head -2 | tail -1)"
  } >>"$OUT/service-jvm.md"
  log "report: $OUT/service-jvm.md"
  exit "$STATUS"
fi

# ---------------------------------------------------------------- fleet start (issue 14 §3)
if $FLEET; then
  log "fleet: rows $FLEET_ROWS (dev vault latency ${LATENCY_MS} ms, service limit $SERVICE_LIMIT per ${SERVICE_LIMIT_WINDOW_MS} ms)"
  STATUS=0
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  DIRTY=$(git -C "$ROOT" diff --quiet HEAD -- dev-vault runtime benchmarks ':!benchmarks/results' 2>/dev/null || echo ' (with uncommitted changes)')
  # one process for every replica: 100 Vert.x instances (2 event loops each) and 100 SDK clients
  java -Xmx1g -cp "$HARNESS_CP" io.kvconfig.bench.FleetBench --vault-env "$WORK/vault/vault.env" \
    --rows "$FLEET_ROWS" --out-md "$WORK/fleet-table.md" | tee "$WORK/fleet.log" || STATUS=1
  {
    echo "### Fleet run $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- command: \`./benchmarks/run.sh${ARGS:+ $ARGS}\`; commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$DIRTY; harness and replicas in ONE JVM (see BENCHMARKS.md, Fleet start)"
    echo "- dev vault: latency ${LATENCY_MS} ms per response, service limit $SERVICE_LIMIT secrets transactions per ${SERVICE_LIMIT_WINDOW_MS} ms (sliding window, one budget for all clients, re-armed empty before each row)"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr); JVM: $(java -version 2>&1 | head -2 | tail -1)"
    echo "- load average (1/5/15 min) when measuring began: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    [ -f "$WORK/fleet-table.md" ] && cat "$WORK/fleet-table.md"
  } >"$OUT/fleet.md"
  log "report: $OUT/fleet.md"
  exit "$STATUS"
fi

# ---------------------------------------------------------------- startup
STATUS=0
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)   # after the builds: what the measurements start with
if $STARTUP; then
  log "startup runs: refs $REFS, parallelism $PAR, $RUNS start(s) each after $WARMUP warm-up round(s)"
  java -cp "$HARNESS_CP" io.kvconfig.bench.StartupBench \
    --vault-env "$WORK/vault/vault.env" --work "$WORK/startup" \
    --plain-jar "$PLAIN_JAR" --kv-jar "$KV_JAR" \
    --runs "$RUNS" --warmup "$WARMUP" --refs "$REFS" --parallelism "$PAR" \
    --shared "$SHARED" --credential-case "$CRED_CASE" --variants "$VARIANTS" --sweep "$SWEEP" \
    --out-md "$OUT/startup.md" --out-csv "$OUT/startup.csv" || STATUS=1
fi

# ---------------------------------------------------------------- admin API load
stats() { curl -fsS "$STATS_URL/stats"; }
# CPU time (user + system) a process has used so far, in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
stat_of() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p"; }

if $LOAD; then
  log "admin API load run (wrk, loopback, ${DURATION} s per run)"
  SVC_DIR="$WORK/service"
  mkdir -p "$SVC_DIR"
  cat >"$SVC_DIR/.env" <<EOF
# written by benchmarks/run.sh
ADMIN_SECRET=@kv:bench-admin-secret
LOG_LEVEL=INFO
EOF
  chmod 600 "$SVC_DIR/.env"
  SVC_PORT=18090
  (cd "$SVC_DIR" && exec java "${KV_PROPS[@]}" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$SVC_PORT \
      -jar "$SERVICE_JAR") >"$WORK/service.log" 2>&1 &
  SVC_PID=$!
  PIDS+=($SVC_PID)
  BASE="http://127.0.0.1:$SVC_PORT"
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$BASE/health" 2>/dev/null && break
    kill -0 "$SVC_PID" 2>/dev/null || break
    sleep 0.2
  done
  if ! curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then
    tail -40 "$WORK/service.log" >&2
    echo "the service did not come up: load run skipped" >&2
    STATUS=1
  else
    AUTH=(-H "Authorization: Bearer $BENCH_ADMIN_SECRET")
    # one PUT alone: the dev vault's requests for exactly one request
    curl -fsS "$STATS_URL/reset" >/dev/null
    BODY='{"GITHUB_TOKEN":"ghp-one","BOT_APP_PASSWORD":"bot-one","ACS_CONNECTION_STRING":"endpoint=https://acs.invalid/;accesskey=one","AZURE_OPENAI_API_KEY":"oai-one","ADMIN_SECRET":"'"$BENCH_ADMIN_SECRET"'"}'
    PUT_CODE=$(curl -sS -o "$WORK/put-one.json" -w '%{http_code}' -X PUT "${AUTH[@]}" \
      -H 'Content-Type: application/json' --data "$BODY" "$BASE/api/settings")
    ONE_PUT_STATS=$(stats)
    echo "one PUT: HTTP $PUT_CODE; dev vault: $ONE_PUT_STATS"
    [ "$PUT_CODE" = 200 ] || { echo "PUT /api/settings answered $PUT_CODE: $(head -c 500 "$WORK/put-one.json")" >&2; STATUS=1; }

    LOAD_MD="$OUT/load.md"
    {
      echo "### Admin API under load (wrk 4.1, loopback, ${DURATION} s per run)"
      echo
      echo "One PUT alone (5 secrets): HTTP $PUT_CODE; dev vault requests: \`$ONE_PUT_STATS\`."
      echo
      echo "| request | connections | requests/s | p50 ms | p90 ms | p99 ms | max ms | requests | non-2xx | vault SetSecret per request | CPU ms per request: service / dev vault |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    } >"$LOAD_MD"
    for method in GET PUT PUT_PLAIN; do
      if ! $SMOKE; then
        # warm-up (JIT, connection pools, TLS sessions to the vault), not recorded
        BENCH_METHOD=$method timeout 30 wrk -t2 -c4 -d3s --timeout 10s -s "$BENCH/load/settings.lua" "$BASE/api/settings" >/dev/null || true
      fi
      for conns in 1 16; do
        threads=$([ "$conns" = 1 ] && echo 1 || echo 2)
        curl -fsS "$STATS_URL/reset" >/dev/null
        svc_cpu0=$(cpu_ms "$SVC_PID"); vault_cpu0=$(cpu_ms "${PIDS[0]}")
        line=$(BENCH_METHOD=$method timeout $((DURATION + 30)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" \
          --timeout 10s -s "$BENCH/load/settings.lua" "$BASE/api/settings" | tee -a "$WORK/wrk.log" | grep '^BENCH ' || true)
        vs=$(stats)
        svc_cpu=$(( $(cpu_ms "$SVC_PID") - svc_cpu0 )); vault_cpu=$(( $(cpu_ms "${PIDS[0]}") - vault_cpu0 ))
        if [ -z "$line" ]; then echo "wrk $method c=$conns gave no result" >&2; STATUS=1; continue; fi
        echo "$method c=$conns: $line; dev vault: $vs"
        req=$(echo "$line" | stat_of requests)
        non2xx=$(echo "$line" | stat_of non2xx)
        sets=$(echo "$vs" | stat_of SetSecret)
        [ "$non2xx" = 0 ] || STATUS=1
        case "$method" in
          GET) label="GET /api/settings" ;;
          PUT) label="PUT /api/settings (5 secrets)" ;;
          PUT_PLAIN) label="PUT /api/settings (5 plain keys: .env write only)" ;;
        esac
        echo "$line" | awk -v label="$label" -v c="$conns" -v sets="$sets" -v m="$method" -v scpu="$svc_cpu" -v vcpu="$vault_cpu" '{
          for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          per = (m != "GET" && v["requests"] > 0) ? sprintf("%.2f", sets / v["requests"]) : "–"
          n = v["requests"] > 0 ? v["requests"] : 1
          printf "| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %d | %d | %s | %.2f / %.2f |\n", label, c, v["rps"],
            v["p50_us"] / 1000, v["p90_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000, v["requests"], v["non2xx"], per,
            scpu / n, vcpu / n
        }' >>"$LOAD_MD"
      done
    done
    echo >>"$LOAD_MD"
    echo "A PUT stores 5 secrets; the last column is the dev vault's SetSecret count over the run divided by the PUTs wrk completed (in-flight requests at the end make it slightly above 5). CPU ms per request: user + system CPU time the service and the dev vault processes used during the run (from /proc/PID/stat) divided by the completed requests; wrk shares the same 2 cores." >>"$LOAD_MD"
  fi
fi

# ---------------------------------------------------------------- report
{
  echo "## Benchmark run $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- command: \`./benchmarks/run.sh${ARGS:+ $ARGS}\` (runs $RUNS, warm-up $WARMUP, latency $LATENCY_MS ms, load ${DURATION} s)"
  echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  echo "- JVM: $(java -version 2>&1 | head -2 | tail -1)"
  echo "- load average (1/5/15 min) when measuring began: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores: above ~0.5 means other work shared the machine)"
  echo
  [ -f "$OUT/startup.md" ] && cat "$OUT/startup.md" && echo
  [ -f "$OUT/load.md" ] && cat "$OUT/load.md"
} >"$OUT/latest.md"
log "report: $OUT/latest.md"
cat "$OUT/latest.md"
if [ "$STATUS" != 0 ]; then echo "benchmark run had failures (see above)" >&2; fi
exit "$STATUS"
