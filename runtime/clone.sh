# berth's volume copy, run by bash without network: FROM (default /from; read-only, may be absent) into TO
# (default /to). In a helper container of its own the volumes are mounted at /from and /to; in the warm volume
# helper (runtime/volume-helper.sh) FROM and TO are the volumes' folders under /vols, named by berth. The marker
# is written first and removed only after the copy succeeded, so an interrupted copy is recognised and redone.
# pipefail makes a failed read of the source fail the copy. No value from the user is in here.
set -euo pipefail
from=${1:-/from}
to=${2:-/to}
touch "$to/.berth-clone-incomplete"
find "$to" -mindepth 1 -maxdepth 1 ! -name .berth-clone-incomplete -exec rm -rf {} +
if [ -d "$from" ]; then tar --numeric-owner -C "$from" -cf - . | tar --numeric-owner -C "$to" -xpf -; fi
rm -f "$to/.berth-clone-incomplete"
