//! The element-wise passes of the encoder (layer norm, GELU, softmax, sums), written as plain loops that the
//! compiler vectorizes, and compiled three times: for AVX-512, for AVX2 with FMA, and for any x86-64 (or any other
//! architecture). The widest the processor runs is chosen once, at run time, so one binary is fast on every machine.
//!
//! Float sums use sixteen running totals instead of one: a single total is a chain the compiler may not reorder,
//! so it would stay scalar. The result differs from a left-to-right sum only by rounding.

use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Avx512,
    Avx2,
    Baseline,
}

fn level() -> Level {
    #[cfg(test)]
    if let Some(forced) = tests::FORCED.get() {
        return forced;
    }
    detected()
}

/// The widest instruction set this processor runs.
fn detected() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("fma")
            {
                return Level::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Level::Avx2;
            }
        }
        Level::Baseline
    })
}

/// Which instruction set the kernels run with here, for benchmarks and logs.
pub fn instruction_set() -> &'static str {
    match level() {
        Level::Avx512 => "AVX-512",
        Level::Avx2 => "AVX2+FMA",
        Level::Baseline => "baseline",
    }
}

/// Defines `pub fn $name(args)` that runs `$body(args)` compiled for the widest instruction set available.
macro_rules! multiversioned {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) => $body:ident) => {
        $(#[$meta])*
        pub fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) {
                    $body($($arg),*)
                }
                match level() {
                    // SAFETY: `level` saw these instruction sets on this processor.
                    Level::Avx512 => return unsafe { avx512($($arg),*) },
                    Level::Avx2 => return unsafe { avx2($($arg),*) },
                    Level::Baseline => {}
                }
            }
            $body($($arg),*)
        }
    };
}

const LANES: usize = 16;

#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut totals = [0f32; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (total, x) in totals.iter_mut().zip(chunk) {
            *total += x;
        }
    }
    totals.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut maxima = [f32::NEG_INFINITY; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (m, &x) in maxima.iter_mut().zip(chunk) {
            *m = if x > *m { x } else { *m };
        }
    }
    maxima.iter().chain(rest).fold(f32::NEG_INFINITY, |m, &x| if x > m { x } else { m })
}

#[inline(always)]
fn squared_deviations(xs: &[f32], mean: f32) -> f32 {
    let mut totals = [0f32; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (total, x) in totals.iter_mut().zip(chunk) {
            *total += (x - mean) * (x - mean);
        }
    }
    totals.iter().sum::<f32>() + rest.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>()
}

/// e^x to about 2e-7 relative error, in arithmetic the compiler can vectorize (no call into libm): x = k ln 2 + r
/// with |r| <= ln 2 / 2, e^r by its Taylor series to r^6, 2^k written into the exponent bits.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let k = shifted - ROUND;
    // The integer k is also in `shifted`'s low mantissa bits: reading it there (rather than `k as i32`, a
    // saturating conversion the compiler leaves scalar) keeps the whole function in vector registers.
    let k_int = shifted.to_bits() as i32 - ROUND.to_bits() as i32;
    let r = x - k * LN2_HI - k * LN2_LO;
    let p =
        1.0 + r * (1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits(((k_int + 127) as u32) << 23)
}

/// GELU as BERT defines it, x Φ(x) with the exact normal distribution (not the tanh approximation):
/// 0.5 x (1 + erf(x / √2)), where erfc comes from Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
/// For negative x the result is built from erfc directly, so nothing cancels.
#[inline(always)]
pub(crate) fn gelu(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152_1, 1.061_405_4];
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + P * z);
    let erfc = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4])))) * exp(-z * z);
    let twice_phi = if x >= 0.0 { 2.0 - erfc } else { erfc };
    0.5 * x * twice_phi
}

#[inline(always)]
fn gelu_all(xs: &mut [f32]) {
    for x in xs {
        *x = gelu(*x);
    }
}

#[inline(always)]
fn layer_norm_rows(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    for row in xs.chunks_exact_mut(width) {
        let mean = sum(row) / width as f32;
        let scale = 1.0 / (squared_deviations(row, mean) / width as f32 + eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = (*x - mean) * scale * g + b;
        }
    }
}

#[inline(always)]
fn softmax_rows(xs: &mut [f32], width: usize) {
    for row in xs.chunks_exact_mut(width) {
        let m = max(row);
        for x in row.iter_mut() {
            *x = exp(*x - m);
        }
        let inverse = 1.0 / sum(row);
        for x in row.iter_mut() {
            *x *= inverse;
        }
    }
}

#[inline(always)]
fn add_rows(xs: &mut [f32], row: &[f32]) {
    for chunk in xs.chunks_exact_mut(row.len()) {
        for (x, r) in chunk.iter_mut().zip(row) {
            *x += r;
        }
    }
}

#[inline(always)]
fn copy_rows(xs: &mut [f32], row: &[f32]) {
    for chunk in xs.chunks_exact_mut(row.len()) {
        chunk.copy_from_slice(row);
    }
}

#[inline(always)]
fn add_into(total: &mut [f32], xs: &[f32]) {
    for (t, x) in total.iter_mut().zip(xs) {
        *t += x;
    }
}

#[inline(always)]
fn to_bf16_all(xs: &[f32], out: &mut [u16]) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = crate::amx::bf16(x);
    }
}

#[inline(always)]
fn gelu_to_bf16_all(xs: &[f32], out: &mut [u16]) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = crate::amx::bf16(gelu(x));
    }
}

multiversioned! {
    /// GELU of each element, rounded to bfloat16, into `out`.
    pub fn gelu_to_bf16(xs: &[f32], out: &mut [u16]) => gelu_to_bf16_all
}
multiversioned! {
    /// Each element rounded to bfloat16 (nearest, ties to even), into `out`.
    pub fn to_bf16(xs: &[f32], out: &mut [u16]) => to_bf16_all
}
multiversioned! {
    /// GELU of every element, in place.
    pub fn gelu_in_place(xs: &mut [f32]) => gelu_all
}
multiversioned! {
    /// Normalises each row of `xs` (rows as long as `gamma`) to mean 0 and variance 1, then scales by `gamma` and
    /// shifts by `beta`.
    pub fn layer_norm(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) => layer_norm_rows
}
multiversioned! {
    /// Softmax of each row of `xs` (rows `width` long), in place.
    pub fn softmax(xs: &mut [f32], width: usize) => softmax_rows
}
multiversioned! {
    /// Adds `row` to every row of `xs`.
    pub fn add_to_each_row(xs: &mut [f32], row: &[f32]) => add_rows
}
multiversioned! {
    /// Writes `row` into every row of `xs`.
    pub fn fill_rows(xs: &mut [f32], row: &[f32]) => copy_rows
}
multiversioned! {
    /// `total += xs`, element by element.
    pub fn accumulate(total: &mut [f32], xs: &[f32]) => add_into
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erf_reference(x: f64) -> f64 {
        // erf by its Taylor series, exact enough in f64 for |x| <= 6 to judge an f32 approximation.
        let mut term = x;
        let mut total = x;
        for n in 1..200 {
            term *= -x * x / n as f64;
            total += term / (2 * n + 1) as f64;
        }
        total * 2.0 / std::f64::consts::PI.sqrt()
    }

    fn check_gelu(x: f32) {
        let want = 0.5 * x as f64 * (1.0 + erf_reference(x as f64 / std::f64::consts::SQRT_2));
        let got = gelu(x) as f64;
        assert!((got - want).abs() <= 2e-7 * (1.0 + x.abs() as f64), "gelu({x}) = {got}, want {want}");
    }

    #[test]
    fn gelu_is_exact_to_float_precision() {
        for i in -600..=600 {
            check_gelu(i as f32 / 100.0);
        }
        assert!(gelu(-100.0).abs() < 1e-30);
        assert_eq!(gelu(100.0), 100.0);
    }

    #[test]
    fn exp_is_exact_to_float_precision() {
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let (got, want) = (exp(x) as f64, (x as f64).exp());
            assert!(((got - want) / want).abs() < 3e-7, "exp({x}) = {got}, want {want}");
        }
    }

    thread_local! {
        /// The level this test thread's kernels run at, when a test forces a narrower one than detected.
        pub(super) static FORCED: std::cell::Cell<Option<Level>> = const { std::cell::Cell::new(None) };
    }

    /// Every level this processor can run, the detected one first: narrower ones are forced, so that a machine
    /// with AVX-512 checks all three builds of each pass, not only the one it would choose.
    fn runnable_levels() -> Vec<Level> {
        let all = [Level::Avx512, Level::Avx2, Level::Baseline];
        all.into_iter().skip_while(|level| *level != detected()).collect()
    }

    #[test]
    fn every_instruction_set_gives_the_same_passes() {
        let mut ran = Vec::new();
        for level in runnable_levels() {
            FORCED.set(Some(level));
            check_passes();
            ran.push(instruction_set());
        }
        FORCED.set(None);
        let missing: Vec<&str> = [("AVX-512", Level::Avx512), ("AVX2+FMA", Level::Avx2)]
            .into_iter()
            .filter(|(_, level)| !runnable_levels().contains(level))
            .map(|(name, _)| name)
            .collect();
        eprintln!("passes checked with {}; not on this processor: {missing:?}", ran.join(", "));
        assert_eq!(ran.last(), Some(&"baseline"), "the baseline build runs everywhere");
    }

    fn check_passes() {
        let xs: Vec<f32> = (0..1000).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
        let mut softmaxed = xs.clone();
        softmax(&mut softmaxed, 100);
        let mut scalar = xs.clone();
        softmax_rows(&mut scalar, 100);
        for (row, scalar_row) in softmaxed.chunks(100).zip(scalar.chunks(100)) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            for (a, b) in row.iter().zip(scalar_row) {
                assert!((a - b).abs() < 1e-6);
            }
        }
        let (gamma, beta) = (vec![2.0; 100], vec![1.0; 100]);
        let mut normed = xs.clone();
        layer_norm(&mut normed, &gamma, &beta, 1e-12);
        for row in normed.chunks(100) {
            let mean = row.iter().sum::<f32>() / 100.0;
            let var = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / 100.0;
            assert!((mean - 1.0).abs() < 1e-4 && (var - 4.0).abs() < 1e-3, "{mean} {var}");
        }
        let mut gelued = xs.clone();
        gelu_in_place(&mut gelued);
        for (a, x) in gelued.iter().zip(&xs) {
            assert_eq!(*a, gelu(*x), "gelu with {}", instruction_set());
        }
    }
}
