;; exponential.ts's and poissonNll.ts's float32 common paths in WebAssembly SIMD (two float64
;; lanes), for exSimd.ts:
;;   "expSum"  block sums of ℓᵢ = e^vᵢ, vᵢ = −yᵢ·xᵢ (exponential, labels ±1);
;;   "expGrad" gᵢ = −yᵢ·k·e^vᵢ (exponentialGrad without a per-element gradOutput);
;;   "pnSum"   block sums of ℓᵢ = e^xᵢ − yᵢ·xᵢ (poissonNll with logInput, without full);
;;   "pnGrad"  gᵢ = k·(e^xᵢ − yᵢ) (poissonNllGrad, logInput, no per-element gradOutput);
;; x, y float32, g float64. Compiled to exSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there);
;; exSimd.ts derives the error bounds and exSimd.test.ts checks the bytes against this file.
;; Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by exSimd.ts): T[i] = 2^(i/256), i = 0…255, as 256 f64 at byte 0; at byte
;; 2048 the constants, 16 bytes each (two equal f64 lanes, or four equal i32 lanes):
;;   0 256/ln2 = 0x1.71547652b82fep+8, 1 −256/ln2, 2 1.5·2⁵² (the shifter), 3 fdlibm's
;;   ln2_hi/256 = 0x1.62e42feep-9 (32 bits), 4 −ln2_hi/256, 5 (ln2 − ln2_hi)/256 =
;;   0x1.a39ef35793c76p-41, 6 1/2, 7 1/6 = 0x1.5555555555555p-3, 8 1/24 = 0x1.5555555555555p-5,
;;   9 the scale k and 10 −k (set per call), 11 i32 0x7f000000 (float32 1.0's bits shifted left
;;   by one), 12 i32 0x885e0000 (float32 700.0's bits shifted left by one);
;; the inputs and the results wherever the caller says. The constants are loaded from memory
;; once per call (as bwSimd.wat: splats of globals are re-splatted by V8 inside the loop), and
;; kept few: with more than about a dozen vectors live, V8 spills and reloads them every
;; iteration (a first version holding a sign mask, an |·| mask, 1.0 and a 255 mask, all avoided
;; below, was 3–5% slower).
;;
;; Each function takes `quads` groups of four float32 at px and py (16 bytes a group).
;; exp, per pair of lanes, for an exponent v ∈ [−700, 700] (exSimd.ts derives the error):
;;   t = v·256/ln2 + 1.5·2⁵² rounds to an integer, k = t − 1.5·2⁵² = round(v·256/ln2) exactly,
;;   and the low bits of t's mantissa hold k in two's complement (|k| ≤ 258530 < 2¹⁸);
;;   r = (v − k·LN2HI) − k·LN2LO, |r| ≤ ln2/512 (k·LN2HI and the first subtraction exact);
;;   S = 2^⌊k/256⌋·T[k mod 256]: T's entry (byte offset 8·(k mod 256): t shifted left by 56,
;;   right by 53) plus ⌊k/256⌋·2⁵² on its bits (⌊k/256⌋ ∈ [−1010, 1009]: S is normal);
;;   q = r + r²·((1/2 + r/6) + r²/24) ≈ e^r − 1, e^v ≈ S + S·q.
;; Out of that range (|x| > 700, ±∞, NaN) the value is wrong but harmless (the table offset is
;; masked to 0…2040 by the shifts). The range is checked on the float32 bits shifted left by one
;; (the sign dropped): |x| ≤ 700 ⇔ bits(x)·2 mod 2³² ≤ 0x885e0000 as unsigned integers (NaN and
;; ±∞ lie above), one i32x4.max_u per group; a label is ±1 exactly when bits(y)·2 mod 2³² =
;; 0x7f000000, checked by or-ing the differences (xor) per group. The sums mark a block with
;; such a lane by a NaN sum; the gradients return 1 if some lane of the call had one (the caller
;; redoes the chunk).
;; For exponential p = y·x in float32 is exact (y = ±1; otherwise the lane is flagged) and
;; |p| = |x|, so the same range check covers it; the exponent is −p: the local $v holds p, and
;; the reduction uses −256/ln2 and −LN2HI: r = (k·(−LN2HI) − p) − k·LN2LO, the same operations
;; on the same values as above up to exact sign flips.
(module
  (import "env" "memory" (memory 1))
  ;; Block sums of e^(−y·x): each block of 256 groups (1024 elements; the last may be shorter)
  ;; writes its sum as f64 at out + 8b: ((a₀ + a₁) + (b₀ + b₁)) of two accumulators (elements
  ;; 4j, 4j+1 and 4j+2, 4j+3), each lane adding its ≤ 256 terms in order; NaN for a block with a
  ;; label other than ±1 (NaN included) or an |x| beyond 700 (±∞, NaN included).
  (func (export "expSum") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $sum f64)
    (local $xv v128) (local $yv v128) (local $hi v128) (local $acc v128) (local $bcc v128)
    (local $p v128) (local $bad v128) (local $one2 v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $s v128) (local $e v128)
    (local $log2e v128) (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local.set $log2e (v128.load offset=16 (i32.const 2048)))
    (local.set $shifter (v128.load offset=32 (i32.const 2048)))
    (local.set $ln2hi (v128.load offset=64 (i32.const 2048)))
    (local.set $ln2lo (v128.load offset=80 (i32.const 2048)))
    (local.set $c2 (v128.load offset=96 (i32.const 2048)))
    (local.set $c3 (v128.load offset=112 (i32.const 2048)))
    (local.set $c4 (v128.load offset=128 (i32.const 2048)))
    (local.set $one2 (v128.load offset=176 (i32.const 2048)))
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
        (local.set $hi (v128.const i64x2 0 0))
        (local.set $bad (v128.const i64x2 0 0))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $xv (v128.load (local.get $px)))
            (local.set $yv (v128.load (local.get $py)))
            (local.set $hi (i32x4.max_u (local.get $hi) (i32x4.shl (local.get $xv) (i32.const 1))))
            (local.set $bad (v128.or (local.get $bad)
              (v128.xor (i32x4.shl (local.get $yv) (i32.const 1)) (local.get $one2))))
            (local.set $p (f32x4.mul (local.get $xv) (local.get $yv)))
            ;; elements 4j, 4j+1
            (local.set $v (f64x2.promote_low_f32x4 (local.get $p)))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $v) (local.get $log2e))
              (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (f64x2.mul (local.get $k) (local.get $ln2hi)) (local.get $v))
              (f64x2.mul (local.get $k) (local.get $ln2lo))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
            (local.set $s (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
              (local.get $r)
              (f64x2.mul (local.get $r2) (f64x2.add
                (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                (f64x2.mul (local.get $r2) (local.get $c4))))))))
            (local.set $acc (f64x2.add (local.get $acc) (local.get $e)))
            ;; elements 4j+2, 4j+3 (the upper halves moved down)
            (local.set $v (f64x2.promote_low_f32x4 (i8x16.shuffle
              8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $p) (local.get $p))))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $v) (local.get $log2e))
              (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (f64x2.mul (local.get $k) (local.get $ln2hi)) (local.get $v))
              (f64x2.mul (local.get $k) (local.get $ln2lo))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
            (local.set $s (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
              (local.get $r)
              (f64x2.mul (local.get $r2) (f64x2.add
                (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                (f64x2.mul (local.get $r2) (local.get $c4))))))))
            (local.set $bcc (f64x2.add (local.get $bcc) (local.get $e)))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $py (i32.add (local.get $py) (i32.const 16)))
            (br $quadLoop)))
        (local.set $sum (f64.add
          (f64.add
            (f64x2.extract_lane 0 (local.get $acc))
            (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add
            (f64x2.extract_lane 0 (local.get $bcc))
            (f64x2.extract_lane 1 (local.get $bcc)))))
        (f64.store (local.get $out) (select
          (f64.const nan)
          (local.get $sum)
          (v128.any_true (v128.or
            (local.get $bad)
            (i32x4.gt_u (local.get $hi) (v128.load offset=192 (i32.const 2048)))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
  ;; gᵢ = e^vᵢ·(yᵢ·(−k)) as f64 at out (32 bytes a group; y·(−k) is exact for y = ±1). Returns
  ;; 1 if some lane had a label other than ±1 or an |x| beyond 700 (or NaN), 0 otherwise.
  (func (export "expGrad") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (result i32)
    (local $end i32) (local $xv v128) (local $yv v128) (local $hi v128) (local $kk v128)
    (local $p v128) (local $bad v128) (local $one2 v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $s v128) (local $e v128)
    (local $log2e v128) (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local.set $log2e (v128.load offset=16 (i32.const 2048)))
    (local.set $shifter (v128.load offset=32 (i32.const 2048)))
    (local.set $ln2hi (v128.load offset=64 (i32.const 2048)))
    (local.set $ln2lo (v128.load offset=80 (i32.const 2048)))
    (local.set $c2 (v128.load offset=96 (i32.const 2048)))
    (local.set $c3 (v128.load offset=112 (i32.const 2048)))
    (local.set $c4 (v128.load offset=128 (i32.const 2048)))
    (local.set $kk (v128.load offset=160 (i32.const 2048)))
    (local.set $one2 (v128.load offset=176 (i32.const 2048)))
    (local.set $hi (v128.const i64x2 0 0))
    (local.set $bad (v128.const i64x2 0 0))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $done
      (loop $quadLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $xv (v128.load (local.get $px)))
        (local.set $yv (v128.load (local.get $py)))
        (local.set $hi (i32x4.max_u (local.get $hi) (i32x4.shl (local.get $xv) (i32.const 1))))
        (local.set $bad (v128.or (local.get $bad)
          (v128.xor (i32x4.shl (local.get $yv) (i32.const 1)) (local.get $one2))))
        (local.set $p (f32x4.mul (local.get $xv) (local.get $yv)))
        ;; elements 4j, 4j+1
        (local.set $v (f64x2.promote_low_f32x4 (local.get $p)))
        (local.set $t (f64x2.add
          (f64x2.mul (local.get $v) (local.get $log2e))
          (local.get $shifter)))
        (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
        (local.set $r (f64x2.sub
          (f64x2.sub (f64x2.mul (local.get $k) (local.get $ln2hi)) (local.get $v))
          (f64x2.mul (local.get $k) (local.get $ln2lo))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
        (local.set $s (i64x2.add
          (v128.load64_lane 1
            (i32x4.extract_lane 2 (local.get $i))
            (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
          (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
        (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
          (local.get $r)
          (f64x2.mul (local.get $r2) (f64x2.add
            (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
            (f64x2.mul (local.get $r2) (local.get $c4))))))))
        (v128.store (local.get $out) (f64x2.mul
          (local.get $e)
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $yv)) (local.get $kk))))
        ;; elements 4j+2, 4j+3 (the upper halves moved down)
        (local.set $v (f64x2.promote_low_f32x4 (i8x16.shuffle
          8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $p) (local.get $p))))
        (local.set $yv (i8x16.shuffle
          8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv)))
        (local.set $t (f64x2.add
          (f64x2.mul (local.get $v) (local.get $log2e))
          (local.get $shifter)))
        (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
        (local.set $r (f64x2.sub
          (f64x2.sub (f64x2.mul (local.get $k) (local.get $ln2hi)) (local.get $v))
          (f64x2.mul (local.get $k) (local.get $ln2lo))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
        (local.set $s (i64x2.add
          (v128.load64_lane 1
            (i32x4.extract_lane 2 (local.get $i))
            (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
          (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
        (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
          (local.get $r)
          (f64x2.mul (local.get $r2) (f64x2.add
            (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
            (f64x2.mul (local.get $r2) (local.get $c4))))))))
        (v128.store offset=16 (local.get $out) (f64x2.mul
          (local.get $e)
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $yv)) (local.get $kk))))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $quadLoop)))
    (v128.any_true (v128.or
      (local.get $bad)
      (i32x4.gt_u (local.get $hi) (v128.load offset=192 (i32.const 2048))))))
  ;; Block sums of e^x − y·x: each block of 64 groups (256 elements, short since the terms have
  ;; either sign; the last may be shorter) writes its sum as f64 at out + 8b, formed as in
  ;; "expSum" (each lane adds ≤ 64 terms); NaN for a block with an |x| beyond 700 (or NaN).
  ;; y·x is exact: a product of two finite float32 values has ≤ 48 significant bits and lies
  ;; within float64's normal range (or is ±0).
  (func (export "pnSum") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $sum f64)
    (local $xv v128) (local $yv v128) (local $hi v128) (local $acc v128) (local $bcc v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $s v128) (local $e v128)
    (local $log2e v128) (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local.set $log2e (v128.load (i32.const 2048)))
    (local.set $shifter (v128.load offset=32 (i32.const 2048)))
    (local.set $ln2hi (v128.load offset=48 (i32.const 2048)))
    (local.set $ln2lo (v128.load offset=80 (i32.const 2048)))
    (local.set $c2 (v128.load offset=96 (i32.const 2048)))
    (local.set $c3 (v128.load offset=112 (i32.const 2048)))
    (local.set $c4 (v128.load offset=128 (i32.const 2048)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 1024))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 1024))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bcc (v128.const i64x2 0 0))
        (local.set $hi (v128.const i64x2 0 0))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $xv (v128.load (local.get $px)))
            (local.set $yv (v128.load (local.get $py)))
            (local.set $hi (i32x4.max_u (local.get $hi) (i32x4.shl (local.get $xv) (i32.const 1))))
            ;; elements 4j, 4j+1
            (local.set $v (f64x2.promote_low_f32x4 (local.get $xv)))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $v) (local.get $log2e))
              (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hi)))
              (f64x2.mul (local.get $k) (local.get $ln2lo))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
            (local.set $s (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
              (local.get $r)
              (f64x2.mul (local.get $r2) (f64x2.add
                (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                (f64x2.mul (local.get $r2) (local.get $c4))))))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.sub
              (local.get $e)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $yv)) (local.get $v)))))
            ;; elements 4j+2, 4j+3 (the upper halves moved down)
            (local.set $v (f64x2.promote_low_f32x4 (i8x16.shuffle
              8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))))
            (local.set $yv (i8x16.shuffle
              8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv)))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $v) (local.get $log2e))
              (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hi)))
              (f64x2.mul (local.get $k) (local.get $ln2lo))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
            (local.set $s (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
              (local.get $r)
              (f64x2.mul (local.get $r2) (f64x2.add
                (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                (f64x2.mul (local.get $r2) (local.get $c4))))))))
            (local.set $bcc (f64x2.add (local.get $bcc) (f64x2.sub
              (local.get $e)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $yv)) (local.get $v)))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $py (i32.add (local.get $py) (i32.const 16)))
            (br $quadLoop)))
        (local.set $sum (f64.add
          (f64.add
            (f64x2.extract_lane 0 (local.get $acc))
            (f64x2.extract_lane 1 (local.get $acc)))
          (f64.add
            (f64x2.extract_lane 0 (local.get $bcc))
            (f64x2.extract_lane 1 (local.get $bcc)))))
        (f64.store (local.get $out) (select
          (f64.const nan)
          (local.get $sum)
          (v128.any_true (i32x4.gt_u (local.get $hi) (v128.load offset=192 (i32.const 2048))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop))))
  ;; gᵢ = (e^xᵢ − yᵢ)·k as f64 at out (32 bytes a group). Returns 1 if some lane had an |x|
  ;; beyond 700 (or NaN), 0 otherwise.
  (func (export "pnGrad") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (result i32)
    (local $end i32) (local $xv v128) (local $yv v128) (local $hi v128) (local $kk v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $s v128) (local $e v128)
    (local $log2e v128) (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local.set $log2e (v128.load (i32.const 2048)))
    (local.set $shifter (v128.load offset=32 (i32.const 2048)))
    (local.set $ln2hi (v128.load offset=48 (i32.const 2048)))
    (local.set $ln2lo (v128.load offset=80 (i32.const 2048)))
    (local.set $c2 (v128.load offset=96 (i32.const 2048)))
    (local.set $c3 (v128.load offset=112 (i32.const 2048)))
    (local.set $c4 (v128.load offset=128 (i32.const 2048)))
    (local.set $kk (v128.load offset=144 (i32.const 2048)))
    (local.set $hi (v128.const i64x2 0 0))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $done
      (loop $quadLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $xv (v128.load (local.get $px)))
        (local.set $yv (v128.load (local.get $py)))
        (local.set $hi (i32x4.max_u (local.get $hi) (i32x4.shl (local.get $xv) (i32.const 1))))
        ;; elements 4j, 4j+1
        (local.set $v (f64x2.promote_low_f32x4 (local.get $xv)))
        (local.set $t (f64x2.add
          (f64x2.mul (local.get $v) (local.get $log2e))
          (local.get $shifter)))
        (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
        (local.set $r (f64x2.sub
          (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hi)))
          (f64x2.mul (local.get $k) (local.get $ln2lo))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
        (local.set $s (i64x2.add
          (v128.load64_lane 1
            (i32x4.extract_lane 2 (local.get $i))
            (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
          (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
        (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
          (local.get $r)
          (f64x2.mul (local.get $r2) (f64x2.add
            (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
            (f64x2.mul (local.get $r2) (local.get $c4))))))))
        (v128.store (local.get $out) (f64x2.mul
          (f64x2.sub (local.get $e) (f64x2.promote_low_f32x4 (local.get $yv)))
          (local.get $kk)))
        ;; elements 4j+2, 4j+3 (the upper halves moved down)
        (local.set $v (f64x2.promote_low_f32x4 (i8x16.shuffle
          8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))))
        (local.set $yv (i8x16.shuffle
          8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv)))
        (local.set $t (f64x2.add
          (f64x2.mul (local.get $v) (local.get $log2e))
          (local.get $shifter)))
        (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
        (local.set $r (f64x2.sub
          (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hi)))
          (f64x2.mul (local.get $k) (local.get $ln2lo))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $i (i64x2.shr_u (i64x2.shl (local.get $t) (i32.const 56)) (i32.const 53)))
        (local.set $s (i64x2.add
          (v128.load64_lane 1
            (i32x4.extract_lane 2 (local.get $i))
            (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
          (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
        (local.set $e (f64x2.add (local.get $s) (f64x2.mul (local.get $s) (f64x2.add
          (local.get $r)
          (f64x2.mul (local.get $r2) (f64x2.add
            (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
            (f64x2.mul (local.get $r2) (local.get $c4))))))))
        (v128.store offset=16 (local.get $out) (f64x2.mul
          (f64x2.sub (local.get $e) (f64x2.promote_low_f32x4 (local.get $yv)))
          (local.get $kk)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $quadLoop)))
    (v128.any_true (i32x4.gt_u (local.get $hi) (v128.load offset=192 (i32.const 2048))))))
