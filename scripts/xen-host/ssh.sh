#!/usr/bin/env bash
# Run a command in the test host's dom0: scripts/xen-host/ssh.sh xl list
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=${XEN_HOST_DIR:-$(cd "$HERE/../.." && pwd)/.xen-host}
[ -s "$W/ssh.env" ] || { echo "not running: run scripts/xen-host/boot.sh" >&2; exit 1; }
# shellcheck disable=SC1091
. "$W/ssh.env"
exec ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$XEN_SSH_KNOWN_HOSTS" -o LogLevel=ERROR \
  -i "$XEN_SSH_KEY" -p "$XEN_SSH_PORT" -- "$XEN_SSH_USER@$XEN_SSH_HOST" "$@"
