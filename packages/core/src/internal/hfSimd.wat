;; The forwards of huber.ts, smoothL1.ts, mse.ts and l1.ts on float32 inputs and targets in
;; WebAssembly SIMD (two float64 lanes), for hfSums.ts: block sums of
;;   "huber":  ℓᵢ = c·(a − ½c),  a = |eᵢ|, c = pmin(a, δ)      (huber.ts's `term`),
;;   "smooth": ℓᵢ = a < β ? (a·a)·h : a − ½β,  h = ½/β          (smoothL1.ts's `term`),
;;   "sq":     ℓᵢ = eᵢ·eᵢ                                       (mse.ts),
;;   "abs":    ℓᵢ = |eᵢ|                                        (l1.ts's `term`),
;; eᵢ = xᵢ − yᵢ in float64 (the float32 values promoted exactly, one rounding as in JavaScript).
;; Compiled to hfSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there); hfSums.ts states why the
;; terms equal the JavaScript loops' bit for bit and derives the error bound of the sums;
;; hfSimd.test.ts checks the bytes against this file. Byte offsets are i32: callers keep the
;; memory below 2 GiB.
;;
;; Memory (laid out by hfSums.ts): at byte 0 the constants, each as two equal f64 lanes, 16 bytes
;; apart: 0 δ (β), 1 ½δ (½β), 2 ½ ("huber") or ½/β ("smooth"); the inputs and the block sums
;; wherever the caller says. Constants are loaded once per call (as hgSimd.wat).
;;
;; "huber" and "smooth" take `quads` groups of four float32 at px and py (16 bytes a group),
;; add the terms of each block of 256 groups (1024 elements; the last block may be shorter) and
;; write the block's sum as f64 at out + 8b ("sq" and "abs": see there). Two accumulators
;; (elements 4k, 4k+1 and 4k+2, 4k+3), each lane adding its ≤ 256 terms in order; the block's
;; sum is ((a₀ + a₁) + (b₀ + b₁)) (as mbSimd.wat). pmin(a, d) = d < a ? d : a is one
;; instruction (f64x2.min is a long sequence in V8); with a first it returns a itself when the
;; comparison is false: a NaN stays NaN.
(module
  (import "env" "memory" (memory 1))
  (func (export "huber") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $acc v128) (local $bcc v128)
    (local $d v128) (local $half v128) (local $a v128) (local $c v128)
    (local.set $d (v128.load (i32.const 0)))
    (local.set $half (v128.load (i32.const 32)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bcc (v128.const i64x2 0 0))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $a (f64x2.abs (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))))
            (local.set $c (f64x2.pmin (local.get $a) (local.get $d)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $c)
              (f64x2.sub (local.get $a) (f64x2.mul (local.get $c) (local.get $half))))))
            (local.set $a (f64x2.abs (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py))))))
            (local.set $c (f64x2.pmin (local.get $a) (local.get $d)))
            (local.set $bcc (f64x2.add (local.get $bcc) (f64x2.mul (local.get $c)
              (f64x2.sub (local.get $a) (f64x2.mul (local.get $c) (local.get $half))))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $py (i32.add (local.get $py) (i32.const 16)))
            (br $quadLoop)))
        (f64.store (local.get $out) (f64.add
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add (f64x2.extract_lane 0 (local.get $bcc)) (f64x2.extract_lane 1 (local.get $bcc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
  ;; As "huber", with smoothL1.ts's pieces chosen by the lane mask a < β (v128.bitselect): a NaN
  ;; or ∞ a takes a − ½β (NaN, ∞), as the JavaScript blend's non-finite result.
  (func (export "smooth") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $acc v128) (local $bcc v128)
    (local $beta v128) (local $halfBeta v128) (local $h v128) (local $a v128)
    (local.set $beta (v128.load (i32.const 0)))
    (local.set $halfBeta (v128.load (i32.const 16)))
    (local.set $h (v128.load (i32.const 32)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bcc (v128.const i64x2 0 0))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $a (f64x2.abs (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))))
            (local.set $acc (f64x2.add (local.get $acc) (v128.bitselect
              (f64x2.mul (f64x2.mul (local.get $a) (local.get $a)) (local.get $h))
              (f64x2.sub (local.get $a) (local.get $halfBeta))
              (f64x2.lt (local.get $a) (local.get $beta)))))
            (local.set $a (f64x2.abs (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py))))))
            (local.set $bcc (f64x2.add (local.get $bcc) (v128.bitselect
              (f64x2.mul (f64x2.mul (local.get $a) (local.get $a)) (local.get $h))
              (f64x2.sub (local.get $a) (local.get $halfBeta))
              (f64x2.lt (local.get $a) (local.get $beta)))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $py (i32.add (local.get $py) (i32.const 16)))
            (br $quadLoop)))
        (f64.store (local.get $out) (f64.add
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add (f64x2.extract_lane 0 (local.get $bcc)) (f64x2.extract_lane 1 (local.get $bcc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
  ;; "sq" and "abs": the forwards of mse.ts (ℓᵢ = eᵢ·eᵢ) and l1.ts (ℓᵢ = |eᵢ|), block sums in
  ;; exactly the JavaScript loops' order, so the same bits (sumSqF32 and l1.ts's sumF32 with no
  ;; 'none' output): `count` float32 at px and py; per block of 1024 elements (the last may be
  ;; shorter) four running sums over eight elements a step, v_j += ℓ(i+j) + ℓ(i+j+4) for
  ;; j = 0…3 (v₀, v₁ the lanes of one accumulator, v₂, v₃ of the other), the block's last
  ;; (length mod 8) terms added to v₀ one by one, and (v₀ + v₁) + (v₂ + v₃) stored as f64 at
  ;; out + 8b. No constants.
  (func (export "sq") (param $px i32) (param $py i32) (param $count i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $acc v128) (local $bcc v128)
    (local $a v128) (local $b v128) (local $c v128) (local $e v128) (local $v0 f64) (local $d f64)
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $count) (i32.const 2))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bcc (v128.const i64x2 0 0))
        (block $stepsDone
          (loop $stepLoop
            (br_if $stepsDone
              (i32.gt_u (i32.add (local.get $px) (i32.const 32)) (local.get $blockEnd)))
            (local.set $a (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py)))))
            (local.set $b (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py)))))
            (local.set $c (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $py)))))
            (local.set $e (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $py)))))
            ;; v₀, v₁ += ℓ(i), ℓ(i+1) + ℓ(i+4), ℓ(i+5); v₂, v₃ += ℓ(i+2), ℓ(i+3) + ℓ(i+6), ℓ(i+7)
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.add
                (f64x2.mul (local.get $a) (local.get $a))
                (f64x2.mul (local.get $c) (local.get $c)))))
            (local.set $bcc (f64x2.add (local.get $bcc)
              (f64x2.add
                (f64x2.mul (local.get $b) (local.get $b))
                (f64x2.mul (local.get $e) (local.get $e)))))
            (local.set $px (i32.add (local.get $px) (i32.const 32)))
            (local.set $py (i32.add (local.get $py) (i32.const 32)))
            (br $stepLoop)))
        ;; the block's last (its length mod 8) terms, into v₀ one by one
        (local.set $v0 (f64x2.extract_lane 0 (local.get $acc)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $d (f64.sub
              (f64.promote_f32 (f32.load (local.get $px)))
              (f64.promote_f32 (f32.load (local.get $py)))))
            (local.set $v0 (f64.add (local.get $v0) (f64.mul (local.get $d) (local.get $d))))
            (local.set $px (i32.add (local.get $px) (i32.const 4)))
            (local.set $py (i32.add (local.get $py) (i32.const 4)))
            (br $tailLoop)))
        (f64.store (local.get $out) (f64.add
          (f64.add (local.get $v0) (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add (f64x2.extract_lane 0 (local.get $bcc)) (f64x2.extract_lane 1 (local.get $bcc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
  (func (export "abs") (param $px i32) (param $py i32) (param $count i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $acc v128) (local $bcc v128)
    (local $a v128) (local $b v128) (local $c v128) (local $e v128) (local $v0 f64) (local $d f64)
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $count) (i32.const 2))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bcc (v128.const i64x2 0 0))
        (block $stepsDone
          (loop $stepLoop
            (br_if $stepsDone
              (i32.gt_u (i32.add (local.get $px) (i32.const 32)) (local.get $blockEnd)))
            (local.set $a (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py)))))
            (local.set $b (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py)))))
            (local.set $c (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $py)))))
            (local.set $e (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $px)))
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $py)))))
            ;; v₀, v₁ += ℓ(i), ℓ(i+1) + ℓ(i+4), ℓ(i+5); v₂, v₃ += ℓ(i+2), ℓ(i+3) + ℓ(i+6), ℓ(i+7)
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.add (f64x2.abs (local.get $a)) (f64x2.abs (local.get $c)))))
            (local.set $bcc (f64x2.add (local.get $bcc)
              (f64x2.add (f64x2.abs (local.get $b)) (f64x2.abs (local.get $e)))))
            (local.set $px (i32.add (local.get $px) (i32.const 32)))
            (local.set $py (i32.add (local.get $py) (i32.const 32)))
            (br $stepLoop)))
        ;; the block's last (its length mod 8) terms, into v₀ one by one
        (local.set $v0 (f64x2.extract_lane 0 (local.get $acc)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $d (f64.sub
              (f64.promote_f32 (f32.load (local.get $px)))
              (f64.promote_f32 (f32.load (local.get $py)))))
            (local.set $v0 (f64.add (local.get $v0) (f64.abs (local.get $d))))
            (local.set $px (i32.add (local.get $px) (i32.const 4)))
            (local.set $py (i32.add (local.get $py) (i32.const 4)))
            (br $tailLoop)))
        (f64.store (local.get $out) (f64.add
          (f64.add (local.get $v0) (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add (f64x2.extract_lane 0 (local.get $bcc)) (f64x2.extract_lane 1 (local.get $bcc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop)))))
