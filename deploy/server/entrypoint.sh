#!/bin/sh
# Pins the target's host key: its SHA-256 fingerprint, read from the keys volume, is handed to
# the config as ${TARGET_HOST_KEY_SHA256}. Then runs the server.
set -eu
if [ -z "${TARGET_HOST_KEY_SHA256:-}" ] && [ -f /keys/target_host_ed25519_key.pub ]; then
  TARGET_HOST_KEY_SHA256="$(node /app/apps/server/dist/main.js fingerprint /keys/target_host_ed25519_key.pub)"
  export TARGET_HOST_KEY_SHA256
fi
exec node /app/apps/server/dist/main.js "$@"
