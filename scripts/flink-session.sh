#!/usr/bin/env bash
# Starts a real standalone Flink 2.2 session cluster (one JobManager, one TaskManager, each its
# own JVM) from Maven artifacts, with no Flink download. Ctrl-C stops it.
#
#   scripts/flink-session.sh [--rest-port 8081] [--slots 2] [--work DIR]
#
# Then submit a job jar as on any cluster, through the REST API or the web UI:
#   curl -F jarfile=@realtime-credit-job/target/realtime-credit-job-0.1.0-SNAPSHOT.jar \
#        http://127.0.0.1:8081/jars/upload
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$(ls flink-session/target/flink-session-*.jar 2>/dev/null | grep -v -- '-sources' | head -1 || true)
if [[ -z "$jar" || ! -d flink-session/target/flink/lib ]]; then
  echo "building flink-session (copies Flink's runtime jars to flink-session/target/flink/lib)" >&2
  ./mvnw -B -q -pl flink-session -am -DskipTests package
  jar=$(ls flink-session/target/flink-session-*.jar | head -1)
fi
exec java -cp "$jar" dev.redrain.flinksession.FlinkSession \
  --lib flink-session/target/flink/lib "$@"
