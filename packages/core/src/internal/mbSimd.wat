;; hinge's sum over float32 scores and labels in WebAssembly SIMD (two float64 lanes), for
;; mbSums.ts: Σ max(0, m − yᵢ·xᵢ) in blocks of 1024 elements. Compiled to mbSimdBytes.ts by
;; wabt's wat2wasm 1.0.39 (see there); mbSums.ts derives the error bound and mbSums.test.ts checks
;; the bytes against this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; The function takes `quads` groups of four float32 at px and py (16 bytes a group), adds the
;; terms of each block of 256 groups (the last block may be shorter) and writes the block's sum
;; as f64 at out + 8b. Per lane the float32 values are promoted to float64 (exact) and y·x is
;; exact in float64 (a product of two float32 values has ≤ 48 significant bits). Two
;; accumulators (elements 4k, 4k+1 and 4k+2, 4k+3), each lane adding its ≤ 256 terms in order;
;; the block's sum is ((a₀ + a₁) + (b₀ + b₁)).
(module
  (import "env" "memory" (memory 1))
  ;; z = m − y·x (one rounding: hinge.ts's z), ℓ = pmax(z, 0) = (z < 0 ? 0 : z): max(0, z) for
  ;; every z, the same value as hinge.ts's (z + |z|)/2; NaN stays NaN (NaN < 0 is false), so a
  ;; NaN score, z = +∞ and an overflowing sum make the block's sum non-finite; z = −∞ gives 0, as
  ;; Math.max(0, −∞). Labels: the block's sum is NaN where some label's bits are not those of
  ;; ±1.0 (|bits| ≠ 0x3f800000: a label other than ±1, NaN and −0 included), tracked as a lane
  ;; mask ($bad) on the four float32 labels at once. With labels ±1, y·x is x with its sign bit
  ;; flipped where y < 0: the kernel flips it in float32 (y's sign bit XORed into x's), exactly
  ;; the float64 product y·x after promotion (NaN included), so the terms and sums are bit for bit
  ;; those of the multiplying loop, with fewer instructions a step (one 16-byte load each of x and
  ;; y, one label test for four lanes, no multiplications).
  (func (export "hinge") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (param $margin f64)
    (local $end i32) (local $blockEnd i32) (local $a v128) (local $b v128) (local $m v128)
    (local $y v128) (local $s v128) (local $bad v128) (local $zero v128) (local $abs v128)
    (local $oneBits v128) (local $sign v128)
    (local.set $m (f64x2.splat (local.get $margin)))
    (local.set $abs (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $sign (i32x4.splat (i32.const 0x80000000)))
    (local.set $oneBits (i32x4.splat (i32.const 0x3f800000)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $a (v128.const i64x2 0 0))
        (local.set $b (v128.const i64x2 0 0))
        (local.set $bad (v128.const i64x2 0 0))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $y (v128.load (local.get $py)))
            (local.set $bad (v128.or (local.get $bad)
              (i32x4.ne (v128.and (local.get $y) (local.get $abs)) (local.get $oneBits))))
            ;; s = y·x for the four elements, as float32 (exact: a sign flip)
            (local.set $s (v128.xor
              (v128.load (local.get $px))
              (v128.and (local.get $y) (local.get $sign))))
            (local.set $a (f64x2.add (local.get $a) (f64x2.pmax
              (f64x2.sub (local.get $m) (f64x2.promote_low_f32x4 (local.get $s)))
              (local.get $zero))))
            (local.set $b (f64x2.add (local.get $b) (f64x2.pmax
              (f64x2.sub (local.get $m) (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                  (local.get $s) (local.get $s))))
              (local.get $zero))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $py (i32.add (local.get $py) (i32.const 16)))
            (br $quadLoop)))
        (f64.store (local.get $out) (select
          (f64.const nan)
          (f64.add
            (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))
            (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b))))
          (v128.any_true (local.get $bad))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
)
