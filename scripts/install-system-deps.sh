#!/usr/bin/env bash
# Installs, from Debian's packages, what the tests and benchmarks run for real: an OpenSSH
# server (the SSH target), the OpenSSH client (the benchmarks' reference), procps (pgrep),
# Chromium (the browser tests), the cluster's engines: PostgreSQL 15, redis-server and nginx
# (the tests start their own, on free ports), the fleet benchmark's anchors: clush
# (clustershell) and parallel-ssh (pssh), and asciinema (2.2, which replays the recordings the
# server writes, under util-linux `script`). Does nothing when all of it is present.
set -euo pipefail

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v pgrep >/dev/null 2>&1 || need+=(procps)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v clush >/dev/null 2>&1 || need+=(clustershell)
# Debian renames pssh's programs (pssh is parallel-ssh) to avoid clashing with putty's.
command -v parallel-ssh >/dev/null 2>&1 || need+=(pssh)
command -v asciinema >/dev/null 2>&1 || need+=(asciinema)

if ((${#need[@]} == 0)); then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them as root (apt-get install ${need[*]})." >&2
  exit 1
fi
echo "Installing ${need[*]} from Debian's packages..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
# Debian's packages start their services where an init system runs; the tests start their own.
for service in postgresql redis-server nginx; do
  service "$service" stop >/dev/null 2>&1 || true
done
