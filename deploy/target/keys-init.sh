#!/bin/sh
# First start only: generates the target's host key and the server's client key into the
# keys volume. Later starts keep them, so the pinned host key stays valid.
set -eu
cd /keys
[ -f target_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -C ogent-target-host -f target_host_ed25519_key
[ -f id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C ogent-server -f id_ed25519
# The server runs as the unprivileged `node` user (uid 1000) and must read its key.
chown 1000:1000 id_ed25519 id_ed25519.pub
chmod 600 id_ed25519
echo "keys ready: $(ssh-keygen -lf target_host_ed25519_key.pub)"
