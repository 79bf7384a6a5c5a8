//! The same body compiled for AVX-512, AVX2+FMA and baseline x86-64, dispatched at run time two ways: by the
//! `multiversioned!` macro Verity uses (copied from crates/embed/src/simd.rs) and by the `multiversion` crate.

use std::sync::OnceLock;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Avx512,
    Avx2,
    Baseline,
}

fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
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
        Level::Baseline
    })
}

macro_rules! multiversioned {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) => $body:ident) => {
        $(#[$meta])*
        pub fn $name($($arg: $ty),*) {
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
fn layer_norm_rows(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    for row in xs.chunks_exact_mut(width) {
        let mean = sum(row) / width as f32;
        let mut squares = [0f32; LANES];
        for chunk in row.chunks_exact(LANES) {
            for (s, x) in squares.iter_mut().zip(chunk) {
                *s += (x - mean) * (x - mean);
            }
        }
        let variance = squares.iter().sum::<f32>() / width as f32;
        let scale = 1.0 / (variance + eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = (*x - mean) * scale * g + b;
        }
    }
}

multiversioned! {
    pub fn layer_norm_macro(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) => layer_norm_rows
}

#[multiversion::multiversion(targets("x86_64+avx512f+avx512bw+avx512dq+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn layer_norm_crate(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    layer_norm_rows(xs, gamma, beta, eps)
}

fn time(name: &str, f: &mut dyn FnMut(&mut [f32])) -> f64 {
    let (gamma, beta) = (vec![1.1f32; 384], vec![0.1f32; 384]);
    let _ = (&gamma, &beta);
    let mut xs: Vec<f32> = (0..128 * 384).map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0).collect();
    for _ in 0..200 {
        f(&mut xs);
    }
    let mut best = f64::MAX;
    for _ in 0..7 {
        let started = Instant::now();
        for _ in 0..2000 {
            f(&mut xs);
        }
        best = best.min(started.elapsed().as_secs_f64() / 2000.0 * 1e6);
    }
    println!("{name}: {best:.2} µs per call (best of 7 rounds of 2,000), level {:?}", level());
    best
}

fn main() {
    let (gamma, beta) = (vec![1.1f32; 384], vec![0.1f32; 384]);
    // Alternated, three times each, so that a busy machine or a warmer cache favours neither.
    let (mut ours, mut theirs) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        ours = ours.min(time("multiversioned! (Verity)", &mut |xs| layer_norm_macro(xs, &gamma, &beta, 1e-12)));
        theirs = theirs.min(time("multiversion crate", &mut |xs| layer_norm_crate(xs, &gamma, &beta, 1e-12)));
    }
    let mut a: Vec<f32> = (0..384).map(|i| i as f32).collect();
    let mut b = a.clone();
    layer_norm_macro(&mut a, &gamma, &beta, 1e-12);
    layer_norm_crate(&mut b, &gamma, &beta, 1e-12);
    println!("same results: {}; crate / macro time: {:.3}", a == b, theirs / ours);
}
