# Is the copy in /to complete? Prints marker (interrupted), empty, or complete.
if [ -e /to/.berth-clone-incomplete ]; then echo marker; elif [ -z "$(ls -A /to)" ]; then echo empty; else echo complete; fi
