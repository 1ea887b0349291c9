#!/usr/bin/env bash
# Makes sure MariaDB and Redis answer on loopback, for the tests and the local stack, and that
# Chromium is installed for the settlement report's browser test.
#
# For each service, in order: use the one already running; else start the installed one; else,
# when run as root on Debian/Ubuntu, install it with apt-get and start it; else stop and say why.
# It says what it did. Safe to run again: a running service is left alone.
#
# Settings (the same ones the tests read):
#   REDRAIN_DB_HOST (127.0.0.1)  REDRAIN_DB_PORT (3306)  REDRAIN_DB_USER (root)
#   REDRAIN_DB_PASSWORD (empty)  REDRAIN_REDIS_URI (redis://127.0.0.1:6379)
# Options:
#   --check   only report; start and install nothing (exit 1 if a service is down)
set -euo pipefail

DB_HOST=${REDRAIN_DB_HOST:-127.0.0.1}
DB_PORT=${REDRAIN_DB_PORT:-3306}
DB_USER=${REDRAIN_DB_USER:-root}
DB_PASSWORD=${REDRAIN_DB_PASSWORD:-}
REDIS_URI=${REDRAIN_REDIS_URI:-redis://127.0.0.1:6379}
REDIS_HOSTPORT=${REDIS_URI#redis://}
REDIS_HOSTPORT=${REDIS_HOSTPORT%%/*}
REDIS_HOST=${REDIS_HOSTPORT%%:*}
REDIS_PORT=${REDIS_HOSTPORT##*:}
WAIT_SECONDS_MAX=60
CHECK_ONLY=false
[ "${1:-}" = "--check" ] && CHECK_ONLY=true

say() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
is_local() { case "$1" in 127.*|localhost|::1) return 0;; *) return 1;; esac; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_updated=false
apt_install() {
  command -v apt-get >/dev/null || fail "no apt-get here: install $* yourself"
  is_root || fail "$* is not installed; run this script as root to install it, or install it"
  if ! $apt_updated; then
    say "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=true
  fi
  say "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {
  local what=$1 host=$2 port=$3
  for _ in $(seq $((WAIT_SECONDS_MAX * 2))); do
    port_open "$host" "$port" && return 0
    sleep 0.5
  done
  fail "$what did not open $host:$port within ${WAIT_SECONDS_MAX}s"
}

# ---- MariaDB --------------------------------------------------------------------------------
db_login_works() {
  command -v mariadb >/dev/null || command -v mysql >/dev/null || return 0
  local client; client=$(command -v mariadb || command -v mysql)
  MYSQL_PWD=$DB_PASSWORD "$client" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
    -e 'SELECT 1' >/dev/null 2>&1
}

start_mariadb() {
  local daemon; daemon=$(command -v mariadbd || command -v mysqld || true)
  if [ -z "$daemon" ] && [ -x /usr/sbin/mariadbd ]; then daemon=/usr/sbin/mariadbd; fi
  if [ -z "$daemon" ]; then
    apt_install mariadb-server
    daemon=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  fi
  is_root || fail "MariaDB is installed but not running; start it (as root: $0)"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    say "initialising the MariaDB data folder"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  say "starting MariaDB ($daemon)"
  start-stop-daemon --start --oknodo --background --exec "$daemon" -- --user=mysql \
    --port="$DB_PORT" --bind-address=127.0.0.1
  wait_for MariaDB "$DB_HOST" "$DB_PORT"
  for _ in $(seq $((WAIT_SECONDS_MAX * 2))); do
    mariadb-admin ping >/dev/null 2>&1 && break
    sleep 0.5
  done
}

ensure_mariadb() {
  if port_open "$DB_HOST" "$DB_PORT"; then
    say "MariaDB is running on $DB_HOST:$DB_PORT"
  elif $CHECK_ONLY; then
    say "MariaDB is NOT running on $DB_HOST:$DB_PORT"; return 1
  elif ! is_local "$DB_HOST"; then
    fail "MariaDB at $DB_HOST:$DB_PORT does not answer, and it is not on this machine"
  else
    start_mariadb
  fi
  if ! db_login_works; then
    $CHECK_ONLY && { say "MariaDB refuses $DB_USER over TCP"; return 1; }
    if is_root && is_local "$DB_HOST" && [ "$DB_USER" = root ] && [ -z "$DB_PASSWORD" ]; then
      say "allowing root with an empty password over TCP (local test server)"
      mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password \
        USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" \
        || fail "could not set up root login on MariaDB"
    else
      fail "MariaDB at $DB_HOST:$DB_PORT refuses user '$DB_USER'; check REDRAIN_DB_USER/PASSWORD"
    fi
    db_login_works || fail "MariaDB still refuses user '$DB_USER' over TCP"
  fi
  if command -v mariadb >/dev/null; then
    MYSQL_PWD=$DB_PASSWORD mariadb --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
      -e 'CREATE DATABASE IF NOT EXISTS test' >/dev/null 2>&1 || true
  fi
}

# ---- Redis ----------------------------------------------------------------------------------
redis_pings() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 \
    && timeout 2 head -c 7 <&3) 2>/dev/null || true)
  [[ "$reply" == +PONG* ]]
}

ensure_redis() {
  if redis_pings; then
    say "Redis is running on $REDIS_HOST:$REDIS_PORT"; return 0
  fi
  $CHECK_ONLY && { say "Redis is NOT running on $REDIS_HOST:$REDIS_PORT"; return 1; }
  is_local "$REDIS_HOST" || fail "Redis at $REDIS_HOST:$REDIS_PORT does not answer"
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis on $REDIS_HOST:$REDIS_PORT (nothing kept on disk)"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /tmp >/dev/null
  for _ in $(seq $((WAIT_SECONDS_MAX * 2))); do
    redis_pings && { say "Redis is up"; return 0; }
    sleep 0.5
  done
  fail "Redis did not answer PING within ${WAIT_SECONDS_MAX}s"
}

# ---- Java -----------------------------------------------------------------------------------
ensure_java() {
  if ! command -v javac >/dev/null; then
    $CHECK_ONLY && { say "no JDK found"; return 1; }
    apt_install openjdk-17-jdk-headless
  fi
  local version
  version=$(javac -version 2>&1 | awk '{print $2}' | cut -d. -f1)
  [ "${version:-0}" -ge 17 ] || fail "JDK 17 or newer needed, found javac $version"
  say "JDK $version found"
}

# ---- Chromium (the HTML report test renders the page headless; the finance review page's
# test drives it through chromedriver, Debian's chromium-driver) ----------------------------
ensure_chromium() {
  if { command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
      || [ -n "${REDRAIN_CHROMIUM:-}" ]; } && { command -v chromedriver >/dev/null \
      || [ -n "${REDRAIN_CHROMEDRIVER:-}" ]; }; then
    say "Chromium and chromedriver found"; return 0
  fi
  $CHECK_ONLY && { say "no Chromium or chromedriver (the browser tests are skipped, or fail under CI)"; return 0; }
  if is_root && command -v apt-get >/dev/null; then
    apt_install chromium chromium-driver
  else
    say "WARNING: no Chromium; install Debian's chromium or set REDRAIN_CHROMIUM (the HTML" \
      "report test is skipped outside CI)"
  fi
}

status=0
ensure_java || status=1
ensure_mariadb || status=1
ensure_redis || status=1
ensure_chromium || status=1
exit $status
