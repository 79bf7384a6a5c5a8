//! How the encoders' memory is allocated: a process-wide policy that a binary sets once, at start.

/// Keeps the encoders' large, short-lived tensors on the heap. glibc serves an allocation above its mmap
/// threshold (128 KB at first, 32 MB at most) with a fresh mapping, which the kernel zeroes page by page on first
/// touch and which is unmapped again when freed; a batch's attention scores take about 100 MB, so every layer of
/// every batch paid those page faults (about a tenth of the encoder's time in the profile, docs/BENCHMARKS.md).
/// With mappings off and the heap never trimmed, freed tensor memory is reused: about 1.27x faster embedding at
/// the same peak memory. A process that loaded a model keeps its peak memory instead of handing it back.
///
/// An allocator has one policy per process, so the library never sets it: the binary that wants it (the
/// `verity` command, the speed example) calls this first thing in `main`. Without it, encoders work the same,
/// only slower. Does nothing on other platforms than Linux with glibc.
///
/// # Safety
///
/// glibc marks `mallopt` MT-Unsafe: call this before the process starts any other thread (first in `main`), and
/// only once.
pub unsafe fn keep_tensors_on_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: the caller guarantees no other thread exists yet, so nothing races the allocator's settings;
    // allocations made before stay valid. A large request that a thread's arena cannot hold without a mapping is
    // then retried from the main arena, which grows the heap.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
