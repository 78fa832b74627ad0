#!/bin/bash
# The official mysql image's contract, on MariaDB: options alone run the server; an empty data directory is
# initialised first (root password, database, user) with networking off, so a TCP health check passes only after.
set -euo pipefail
if [ "${1:0:1}" = "-" ]; then
    set -- mariadbd "$@"
fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
    exec "$@"
fi
chown -R mysql:mysql /var/lib/mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
    : "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD (expected: the root password, as the official image requires)}"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    socket=/run/mysqld/init.sock
    "$@" --user=mysql --skip-networking --socket="$socket" &
    pid=$!
    for _ in $(seq 1 60); do
        mariadb-admin --socket="$socket" ping --silent 2>/dev/null && break
        sleep 1
    done
    sql() { printf '%s' "$1" | sed "s/'/''/g"; }
    {
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sql "$MYSQL_ROOT_PASSWORD")';"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(sql "$MYSQL_ROOT_PASSWORD")';"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        if [ -n "${MYSQL_DATABASE:-}" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/}\`;"
        fi
        if [ -n "${MYSQL_USER:-}" ]; then
            echo "CREATE USER '$(sql "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql "${MYSQL_PASSWORD:-}")';"
            [ -z "${MYSQL_DATABASE:-}" ] || echo "GRANT ALL ON \`${MYSQL_DATABASE//\`/}\`.* TO '$(sql "$MYSQL_USER")'@'%';"
        fi
    } | mariadb --socket="$socket" -u root
    kill "$pid"
    wait "$pid" || true
fi
exec "$@" --user=mysql
