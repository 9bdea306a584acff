# berth's volume copy, run by bash in a helper container without network: /from (read-only, may be
# absent) into /to. The marker is written first and removed only after the copy succeeded, so an
# interrupted copy is recognised and redone. pipefail makes a failed read of the source fail the copy.
# No value from the user is in here: the volumes are mounted at /from and /to.
set -euo pipefail
touch /to/.berth-clone-incomplete
find /to -mindepth 1 -maxdepth 1 ! -name .berth-clone-incomplete -exec rm -rf {} +
if [ -d /from ]; then tar --numeric-owner -C /from -cf - . | tar --numeric-owner -C /to -xpf -; fi
rm -f /to/.berth-clone-incomplete
