//! How the encoders' memory is allocated.

/// Keeps the encoders' large, short-lived tensors on the heap. glibc serves an allocation above its mmap
/// threshold (128 KB at first, 32 MB at most) with a fresh mapping, which the kernel zeroes page by page on first
/// touch and which is unmapped again when freed; a batch's attention scores take about 100 MB, so every layer of
/// every batch paid those page faults (about a tenth of the encoder's time in the profile, docs/BENCHMARKS.md).
/// With mappings off and the heap never trimmed, freed tensor memory is reused: about 1.27x faster embedding at
/// the same peak memory. Process-wide (an allocator has one policy), set once, glibc only; a process that loaded a
/// model keeps its peak memory instead of handing it back.
pub(crate) fn keep_tensors_on_the_heap() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: `mallopt` changes glibc's allocation policy under the allocator's own lock; it is safe to call
        // from any thread at any time, and allocations made before it stay valid. A large request that a
        // thread's arena cannot hold without a mapping is retried from the main arena, which grows the heap.
        unsafe {
            libc::mallopt(libc::M_MMAP_MAX, 0);
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        }
    });
}
