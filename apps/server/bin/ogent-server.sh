#!/bin/sh
# Runs the built server (dist/main.js) with the memory allocator it is measured with (see
# bench/optimisations.md): jemalloc when the system has it (Debian's libjemalloc2), which gives
# the memory freed after a burst of output back to the system within about a second; otherwise
# glibc's malloc with two arenas and large blocks mapped and unmapped. OGENT_ALLOCATOR=glibc
# keeps glibc's malloc in any case.
set -eu
dir=$(dirname "$0")
jemalloc=""
if [ "${OGENT_ALLOCATOR:-}" != glibc ]; then
  for lib in /usr/lib/*-linux-gnu/libjemalloc.so.2 /usr/lib/libjemalloc.so.2; do
    if [ -r "$lib" ]; then
      jemalloc=$lib
      break
    fi
  done
fi
if [ -n "$jemalloc" ]; then
  LD_PRELOAD="$jemalloc${LD_PRELOAD:+:$LD_PRELOAD}"
  MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0}"
  export LD_PRELOAD MALLOC_CONF
else
  MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
  MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-65536}"
  MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-131072}"
  export MALLOC_ARENA_MAX MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_
fi
exec node "$dir/../dist/main.js" "$@"
