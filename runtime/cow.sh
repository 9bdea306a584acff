# berth's copy-on-write steps, run by bash in a helper container without network, with the engine's
# volume root mounted at /vols. The arguments are folders under /vols named by berth (volume names it
# made: letters, digits, _ . -), never a user's value. Every step can be run again after a kill -9.
#
#   freeze FROM LAYER UPPER...  make each UPPER/upper and UPPER/work (the upper folder with FROM's owner and
#                               mode), then rename FROM to LAYER: the one step that moves data, atomic and
#                               O(1) whatever the size. FROM already gone and LAYER there: done before.
#   branch FROM LAYER SOURCE_UPPER [TARGET_UPPER]
#                               freeze, unless FROM (an overlay's upper folder) is there and empty: then only
#                               TARGET_UPPER is made (the branch stands on the same layers) and it prints untouched
#   state FROM LAYER            prints moved (FROM renamed into LAYER) or not-moved
#   empty DIR                   prints empty or not-empty (an upper folder with no write of its own)
#   sizes DIR...                prints "BYTES DIR" for each folder (bytes on disk)
#   probe LAYER UPPER           prepares a tiny layer and upper folder to find out whether this engine mounts overlays
#   probe-check LAYER UPPER     run with the probe's overlay at /o: reads the layer's file, writes and removes
#                               one, and checks that only the upper folder changed
set -euo pipefail
cmd=$1
shift
uppers() {
  local ref=$1 u
  shift
  for u in "$@"; do
    mkdir -p "$u/upper" "$u/work"
    chown --reference="$ref" "$u/upper"
    chmod --reference="$ref" "$u/upper"
  done
}
freeze() {
  local from=$1 layer=$2 ref=$1
  shift 2
  [ -d "$from" ] || ref=$layer
  uppers "$ref" "$@"
  if [ -d "$from" ]; then
    # The layer volume's own folder is empty (made by the engine): rename replaces it.
    if [ -d "$layer" ]; then rmdir "$layer"; fi
    mv -T "$from" "$layer"
    sync -f "$layer" 2>/dev/null || sync
  fi
  [ -d "$layer" ] && echo moved
}
case "$cmd" in
  freeze)
    freeze "$@"
    ;;
  branch)
    if [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; then
      [ $# -ge 4 ] && uppers "$1" "$4"
      echo untouched
    else
      freeze "$@"
    fi
    ;;
  state)
    if [ ! -d "$1" ] && [ -d "$2" ]; then echo moved; else echo not-moved; fi
    ;;
  empty)
    if [ -z "$(ls -A "$1" 2>/dev/null)" ]; then echo empty; else echo not-empty; fi
    ;;
  probe)
    rm -rf "$2/upper" "$2/work"
    mkdir -p "$2/upper" "$2/work"
    echo layer > "$1/seen"
    echo ready
    ;;
  probe-check)
    [ "$(cat /o/seen)" = layer ]
    echo branch > /o/written
    rm /o/seen
    # The layer is untouched: the write and the removal are in the upper folder only.
    [ -f "$1/seen" ] && [ ! -e "$1/written" ] && [ -f "$2/upper/written" ]
    echo ok
    ;;
  sizes)
    # Bytes on disk (blocks, not apparent sizes: metacopy files in an upper folder hold no data of their own).
    for d in "$@"; do printf '%s %s\n' "$(du -s --block-size=1 "$d" 2>/dev/null | cut -f1 || echo -1)" "$d"; done
    ;;
  *)
    echo "cow.sh: unknown step $cmd" >&2
    exit 2
    ;;
esac
