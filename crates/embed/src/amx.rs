//! Matrix products on Intel AMX (Advanced Matrix Extensions, Xeon from the 4th generation on): the dense layers'
//! products in bfloat16 with float32 sums, in the processor's tile unit, which multiplies 16 × 32 by 32 × 16 in one
//! instruction. On the 2-core Xeon these benchmarks ran on, that is several times the f32 vector units' rate.
//!
//! Only the dense layers' weights and inputs are rounded to bfloat16 (8 significant bits); every sum, the
//! attention products, layer norms and softmax stay f32. The loss is measured end to end in docs/BENCHMARKS.md.
//!
//! The tile instructions are written with `asm!` (Rust has no stable intrinsics for them). The compiler never
//! uses tile registers itself, so the blocks below own them between `ldtilecfg` and `tilerelease`. Linux hands
//! the tile state to a process only on request (`arch_prctl(ARCH_REQ_XCOMP_PERM)`); [`available`] asks once.

#[cfg(target_arch = "x86_64")]
use std::arch::asm;
use std::sync::OnceLock;

use rayon::prelude::*;

/// Rows of a tile, and 64-byte rows: 16 f32 or 32 bf16.
const TILE: usize = 16;
/// The depth of one tile product in bf16 elements.
const DEPTH: usize = 32;
/// Output rows and columns one kernel call computes (2 × 2 tiles).
const BLOCK: usize = 32;

/// Whether this processor has AMX with bf16 and Linux lets this process use it.
pub(crate) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            // CPUID leaf 7: EDX bit 22 is AMX-BF16, bit 24 AMX-TILE.
            let leaf = std::arch::x86_64::__cpuid_count(7, 0);
            if leaf.edx & (1 << 22) == 0 || leaf.edx & (1 << 24) == 0 {
                return false;
            }
            const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
            const XFEATURE_XTILEDATA: libc::c_long = 18;
            // SAFETY: a plain system call with integer arguments.
            unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 }
        }
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        false
    })
}

/// Whether a product of these dimensions can run here: whole tiles along the depth and the columns.
pub(crate) fn fits(depth: usize, columns: usize) -> bool {
    depth.is_multiple_of(DEPTH) && columns.is_multiple_of(BLOCK)
}

/// Round to nearest even, as the hardware's own conversion does.
#[inline(always)]
pub(crate) fn bf16(x: f32) -> u16 {
    let bits = x.to_bits();
    ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) as u16
}

/// A weight matrix (depth × columns) in bf16, laid out as the tile unit reads its right operand:
/// for each 16 columns and each 32 rows of depth, 16 rows holding, for each column, a pair of consecutive depth
/// elements.
pub(crate) struct PackedBf16 {
    data: Vec<u32>,
    depth: usize,
    columns: usize,
}

impl PackedBf16 {
    /// Packs the depth × columns matrix whose element (k, n) is `at(k, n)`.
    pub fn pack(depth: usize, columns: usize, at: impl Fn(usize, usize) -> f32) -> PackedBf16 {
        assert!(fits(depth, columns));
        let mut data = Vec::with_capacity(depth * columns / 2);
        for column_block in 0..columns / TILE {
            for depth_block in 0..depth / DEPTH {
                for pair in 0..DEPTH / 2 {
                    let row = depth_block * DEPTH + 2 * pair;
                    for j in column_block * TILE..(column_block + 1) * TILE {
                        let (even, odd) = (at(row, j), at(row + 1, j));
                        data.push(u32::from(bf16(even)) | (u32::from(bf16(odd)) << 16));
                    }
                }
            }
        }
        PackedBf16 { data, depth, columns }
    }

    /// The 16 × 32 block of depth pairs for columns `16 * column_block ..` and depth `32 * depth_block ..`.
    fn block(&self, column_block: usize, depth_block: usize) -> *const u32 {
        let index = (column_block * (self.depth / DEPTH) + depth_block) * TILE * TILE;
        self.data[index..].as_ptr()
    }
}

/// Tile configuration: palette 1, eight tiles of 16 rows of 64 bytes.
#[repr(C, align(64))]
struct TileConfig {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    bytes_per_row: [u16; 16],
    rows: [u8; 16],
}

const CONFIG: TileConfig = TileConfig {
    palette: 1,
    start_row: 0,
    reserved: [0; 14],
    bytes_per_row: [64, 64, 64, 64, 64, 64, 64, 64, 0, 0, 0, 0, 0, 0, 0, 0],
    rows: [16, 16, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0],
};

/// Where a product's sums start.
#[derive(Clone, Copy)]
pub(crate) enum Start<'a> {
    /// From what `output` holds (a residual connection, with the bias already added).
    Output,
    /// From this row (the bias), repeated down every row: the tile unit reads it with a row stride of 0, so the
    /// output need not be filled first.
    Row(&'a [f32]),
}

/// Rows of input a bf16 copy must have for [`matmul`]: whole 32-row blocks.
pub(crate) fn padded_rows(rows: usize) -> usize {
    rows.div_ceil(BLOCK) * BLOCK
}

/// `output = start + input · weights`. `input` is the bf16 copy of a rows × depth matrix with rows padded to
/// [`padded_rows`] (the padding's values do not matter: those rows' results are dropped); `output` is rows ×
/// columns f32, row-major. The caller checks [`available`] first.
pub(crate) fn matmul(input: &[u16], rows: usize, weights: &PackedBf16, start: Start, output: &mut [f32]) {
    let (depth, columns) = (weights.depth, weights.columns);
    assert!(available() && input.len() >= padded_rows(rows) * depth && output.len() == rows * columns);
    if let Start::Row(row) = start {
        assert_eq!(row.len(), columns);
    }
    output.par_chunks_mut(BLOCK * columns).enumerate().for_each(|(block, out)| {
        let block_rows = out.len() / columns;
        let a = input[block * BLOCK * depth..].as_ptr();
        if block_rows == BLOCK {
            // SAFETY: `a` has 32 rows of `depth` bf16 (the input is padded to whole blocks), `out` 32 rows of
            // `columns` f32, the start row `columns` f32, and the weights whole tiles (`fits`, checked by `pack`).
            unsafe { kernel(a, depth, weights, start, out.as_mut_ptr(), columns) }
        } else {
            // The last rows: through a whole block of scratch, since tiles are 16 rows tall.
            let mut scratch = vec![0f32; BLOCK * columns];
            if let Start::Output = start {
                scratch[..out.len()].copy_from_slice(out);
            }
            // SAFETY: as above, with the scratch block as output.
            unsafe { kernel(a, depth, weights, start, scratch.as_mut_ptr(), columns) }
            out.copy_from_slice(&scratch[..out.len()]);
        }
    });
}

/// 32 rows of output, all columns: C (2 × 2 tiles at a time, tmm0-3) = start + A (tmm4-5) · B (tmm6-7).
///
/// # Safety
/// `a` points at 32 rows of `depth` bf16, `c` at 32 rows of `columns` f32, a `Start::Row` has `columns` f32,
/// `weights` is `depth × columns`, and [`available`] returned true.
#[cfg(target_arch = "x86_64")]
unsafe fn kernel(a: *const u16, depth: usize, weights: &PackedBf16, start: Start, c: *mut f32, columns: usize) {
    let (a_stride, c_stride, b_stride) = (depth * 2, columns * 4, TILE * 4);
    // SAFETY (every block): the addresses are in bounds by the function's contract; each tile load and store
    // touches 16 rows of 64 bytes at the given stride (0 for the repeated start row).
    unsafe {
        asm!("ldtilecfg [{}]", in(reg) &CONFIG, options(nostack));
        for column in (0..columns).step_by(BLOCK) {
            let c00 = c.add(column);
            let (c01, c10, c11) = (c00.add(TILE), c00.add(TILE * columns), c00.add(TILE * columns + TILE));
            let (s00, s01, s10, s11, s_stride) = match start {
                Start::Output => (c00.cast_const(), c01.cast_const(), c10.cast_const(), c11.cast_const(), c_stride),
                Start::Row(row) => {
                    let r = row.as_ptr().add(column);
                    (r, r.add(TILE), r, r.add(TILE), 0)
                }
            };
            asm!(
                "tileloadd tmm0, [{s00} + {s}*1]",
                "tileloadd tmm1, [{s01} + {s}*1]",
                "tileloadd tmm2, [{s10} + {s}*1]",
                "tileloadd tmm3, [{s11} + {s}*1]",
                s00 = in(reg) s00, s01 = in(reg) s01, s10 = in(reg) s10, s11 = in(reg) s11, s = in(reg) s_stride,
                options(nostack, readonly),
            );
            for depth_block in 0..depth / DEPTH {
                let a0 = a.add(depth_block * DEPTH);
                let a1 = a0.add(TILE * depth);
                let b0 = weights.block(column / TILE, depth_block);
                let b1 = weights.block(column / TILE + 1, depth_block);
                asm!(
                    "tileloadd tmm4, [{a0} + {sa}*1]",
                    "tileloadd tmm5, [{a1} + {sa}*1]",
                    "tileloadd tmm6, [{b0} + {sb}*1]",
                    "tileloadd tmm7, [{b1} + {sb}*1]",
                    "tdpbf16ps tmm0, tmm4, tmm6",
                    "tdpbf16ps tmm1, tmm4, tmm7",
                    "tdpbf16ps tmm2, tmm5, tmm6",
                    "tdpbf16ps tmm3, tmm5, tmm7",
                    a0 = in(reg) a0, a1 = in(reg) a1, b0 = in(reg) b0, b1 = in(reg) b1,
                    sa = in(reg) a_stride, sb = in(reg) b_stride,
                    options(nostack, readonly),
                );
            }
            asm!(
                "tilestored [{c00} + {s}*1], tmm0",
                "tilestored [{c01} + {s}*1], tmm1",
                "tilestored [{c10} + {s}*1], tmm2",
                "tilestored [{c11} + {s}*1], tmm3",
                c00 = in(reg) c00, c01 = in(reg) c01, c10 = in(reg) c10, c11 = in(reg) c11, s = in(reg) c_stride,
                options(nostack),
            );
        }
        asm!("tilerelease", options(nostack, nomem));
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel(_: *const u16, _: usize, _: &PackedBf16, _: Start, _: *mut f32, _: usize) {
    unreachable!("`available` is false off x86-64")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rows: usize, depth: usize, columns: usize) {
        if !available() {
            // The kernel is instructions this processor does not have; what runs instead is checked by
            // `bert::tests::fast_precision_runs_in_the_tile_unit_only_where_there_is_one`.
            eprintln!("SKIPPED: no AMX on this processor, so the tile kernel cannot run here");
            return;
        }
        eprintln!("checking the tile kernel ({rows} x {depth} x {columns}) on this processor's AMX");
        let value = |i: usize, salt: usize| (((i * 7919 + salt) % 1000) as f32 - 500.0) / 250.0;
        let input: Vec<f32> = (0..rows * depth).map(|i| value(i, 1)).collect();
        let weights: Vec<f32> = (0..depth * columns).map(|i| value(i, 2)).collect();
        let start: Vec<f32> = (0..rows * columns).map(|i| value(i, 3)).collect();
        let weights16 = PackedBf16::pack(depth, columns, |k, n| weights[k * columns + n]);
        let mut input16 = vec![0u16; padded_rows(rows) * depth];
        crate::simd::to_bf16(&input, &mut input16[..rows * depth]);
        let mut got = start.clone();
        matmul(&input16, rows, &weights16, Start::Output, &mut got);
        // Starting from a row repeated: the same as starting from an output that holds it in every row.
        let row: Vec<f32> = (0..columns).map(|j| value(j, 4)).collect();
        let mut from_row = vec![f32::NAN; rows * columns];
        matmul(&input16, rows, &weights16, Start::Row(&row), &mut from_row);
        let mut filled: Vec<f32> = row.iter().copied().cycle().take(rows * columns).collect();
        matmul(&input16, rows, &weights16, Start::Output, &mut filled);
        assert_eq!(from_row, filled);
        let round = |x: f32| f32::from_bits(u32::from(bf16(x)) << 16);
        for r in 0..rows {
            for j in 0..columns {
                let want: f64 = start[r * columns + j] as f64
                    + (0..depth)
                        .map(|k| round(input[r * depth + k]) as f64 * round(weights[k * columns + j]) as f64)
                        .sum::<f64>();
                let g = got[r * columns + j] as f64;
                assert!((g - want).abs() < 1e-3 * (1.0 + want.abs()), "({r}, {j}): {g} vs {want}");
            }
        }
    }

    #[test]
    fn products_match_bf16_arithmetic_in_f64() {
        check(32, 32, 32);
        check(45, 384, 64); // a last block of 13 rows
        check(1, 64, 96);
        check(100, 96, 384);
    }

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(bf16(1.0), 0x3f80);
        assert_eq!(f32::from_bits(u32::from(bf16(1.0 + 1.0 / 256.0)) << 16), 1.0); // a tie: to even
        assert_eq!(f32::from_bits(u32::from(bf16(1.0 + 3.0 / 256.0)) << 16), 1.0 + 4.0 / 256.0);
        assert_eq!(bf16(-2.0), 0xc000);
    }
}
