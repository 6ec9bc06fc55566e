# Sourced by the launchers that run the model. Keeps glibc from handing PyTorch's large tensors
# back to the kernel after each use: by default every allocation over 32 MiB (the attention scores
# of a training step are 49 MiB) is a fresh mmap, and the kernel zeroes each of its pages on first
# touch. Measured on the training run (2 cores, perf): page zeroing took 22% of all CPU cycles and
# system time was 33% of the process's CPU time; with these settings system time fell below 1% and
# training went from 3.1-3.8 to 4.8 scenes/s (MODEL_CARD.md). The cost: the process keeps its peak
# native heap instead of shrinking after a burst. Set GCG_SYSTEM_MALLOC=1 to keep glibc's defaults
# (any other value, or none, applies these); any of the variables already set wins.
if [ "${GCG_SYSTEM_MALLOC:-0}" != "1" ]; then
  export MALLOC_MMAP_MAX_="${MALLOC_MMAP_MAX_:-0}"                 # no mmap: reuse the heap
  export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-68719476736}" # never trim it
  export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-1073741824}"           # grow it 1 GiB at a time
fi
