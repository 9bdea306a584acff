# berth's warm volume helper (src/docker/volume-helper.ts): one container per engine and helper image, no
# network, the engine's volume root at /vols. berth's volume steps (runtime/cow.sh, runtime/clone.sh) run in it
# as execs instead of a new container each. Only bash, coreutils and util-linux (flock, setsid) are used.
#
#   serve IDLE              its main process: exits once no step ran for IDLE seconds and none runs
#   run JOB SCRIPT ARG0...  one step (bash -c SCRIPT ARG0...). JOB "-": a short step; else a named job (a copy,
#                           named after its target volume): a run of the same job still going (its berth was
#                           killed) is stopped first, and `stop JOB` stops it (Ctrl-C of berth)
#   stop JOB                stops the job and waits until it is gone
#
# A step holds a shared lock on /tmp/berth-helper.lock for as long as it runs (its children too); the main
# process exits only once it holds the lock alone, after marking the helper closed. A step that finds it
# closed exits 75 and berth starts a new helper. Exit 76: this image lacks flock or setsid.
set -u
mode=$1
shift
lock=/tmp/berth-helper.lock
jobs=/tmp/berth-jobs
gone() { ! kill -0 -- "-$1" 2>/dev/null; }
stop_job() {
  local pid
  # (The redirection is grouped: bash opens "< FILE" before "2>/dev/null" of the same command.)
  { read -r pid < "$jobs/$1"; } 2>/dev/null || return 0
  # CONT too: a stopped process (kill -STOP, a debugger) would not end on TERM.
  kill -TERM -- "-$pid" 2>/dev/null
  kill -CONT -- "-$pid" 2>/dev/null
  while ! gone "$pid"; do sleep 0.1; done
  rm -f "$jobs/$1"
}
case "$mode" in
  serve)
    idle=$1 quiet=0 tick=5
    [ "$idle" -lt 10 ] && tick=1
    exec 9>"$lock"
    : > /tmp/berth-helper.used
    trap 'exit 0' TERM
    while :; do
      sleep "$tick"
      if [ -e /tmp/berth-helper.used ]; then rm -f /tmp/berth-helper.used; quiet=0; else quiet=$((quiet + tick)); fi
      if [ "$quiet" -ge "$idle" ] && flock -n -x 9; then : > /tmp/berth-helper.closed; exit 0; fi
    done
    ;;
  run)
    command -v flock >/dev/null && command -v setsid >/dev/null || exit 76
    job=$1 script=$2
    shift 2
    exec 9>"$lock"
    flock -s 9
    [ -e /tmp/berth-helper.closed ] && exit 75
    : > /tmp/berth-helper.used
    [ "$job" = - ] && exec bash -c "$script" "$@"
    mkdir -p "$jobs"
    stop_job "$job"
    # Its own process group (setsid), whose id is kept, so that stop ends tar and every other child with it.
    exec setsid -w bash -c 'echo $$ > "$0"; bash -c "$1" "${@:2}"; s=$?; rm -f "$0"; exit $s' "$jobs/$job" "$script" "$@"
    ;;
  stop)
    stop_job "$1"
    ;;
  *)
    echo "volume-helper.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
