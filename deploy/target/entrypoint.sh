#!/bin/sh
# Installs the host key and the server's public key from the keys volume (written by the
# `keys` service on first start), then runs sshd in the foreground.
set -eu
mkdir -p /etc/ssh/ogent
cp /keys/target_host_ed25519_key /etc/ssh/ogent/ssh_host_ed25519_key
cp /keys/target_host_ed25519_key.pub /etc/ssh/ogent/ssh_host_ed25519_key.pub
cp /keys/id_ed25519.pub /etc/ssh/ogent/authorized_keys
chmod 600 /etc/ssh/ogent/ssh_host_ed25519_key
chmod 644 /etc/ssh/ogent/authorized_keys
exec /usr/sbin/sshd -D -e
