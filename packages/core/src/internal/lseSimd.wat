;; Row log-sum-exp of float32 logits in WebAssembly SIMD (two float64 lanes), for lseRows.ts:
;; for each row, m = max_j x_j and S = Σ_j exp(x_j − m) in float64, so lse = m + log S (the log
;; is taken in JavaScript). Compiled to lseSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there);
;; lseRows.ts derives the error bound and lseRows.test.ts checks the bytes against this file.
;; Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by lseRows.ts): T[i] = 2^(i/256), i = 0…255, as 256 f64 at byte 0; the rows
;; and the results wherever the caller says.
(module
  (import "env" "memory" (memory 1))
  ;; The constants live in mutable globals, read once per call: a constant operand would be
  ;; re-materialised by V8 inside the loop (3 instructions per use, ~15% slower measured).
  (global $floorG (mut f64) (f64.const -700))
  (global $ceilG (mut f64) (f64.const 69))
  (global $log2eNG (mut f64) (f64.const 0x1.71547652b82fep+8)) ;; 256/ln2
  (global $shifterG (mut f64) (f64.const 0x1.8p52)) ;; 1.5·2⁵²
  (global $ln2hiNG (mut f64) (f64.const 0x1.62e42feep-9)) ;; fdlibm's ln2_hi / 256 (32 bits)
  (global $ln2loNG (mut f64) (f64.const 0x1.a39ef35793c76p-41)) ;; (ln2 − ln2_hi) / 256
  (global $oneG (mut f64) (f64.const 1))
  (global $maskG (mut i64) (i64.const 255))
  (global $c2G (mut f64) (f64.const 0.5))
  (global $c3G (mut f64) (f64.const 0x1.5555555555555p-3)) ;; 1/6
  (global $c4G (mut f64) (f64.const 0x1.5555555555555p-5)) ;; 1/24
  ;; Rows n = 0…rows−1 of float32 at p + 4·stride·n (stride a multiple of 4, entries past the
  ;; row's end padded with −∞ by the caller): m as f64 at out + 16n, S at out + 16n + 8.
  ;;
  ;; m: f32x4.pmax (a < b ? b : a) over the row, so a NaN is skipped here and shows up in S.
  ;; S: per pair of logits (the two f64 lanes) v = max(x − m, −700) (a NaN stays NaN), then
  ;; exp(v) = 2^(k/256) · exp(r) with k = round(v·256/ln2) and r = v − k·ln2/256:
  ;;   • t = v·256/ln2 + 1.5·2⁵² rounds to an integer, k = t − 1.5·2⁵² exactly, and the low
  ;;     bits of t's mantissa hold k in two's complement;
  ;;   • r = (v − k·LN2HI) − k·LN2LO, |r| ≤ ln2/512 (k·LN2HI and the first subtraction exact);
  ;;   • 2^(k/256) = 2^⌊k/256⌋ · T[k mod 256]: ⌊k/256⌋ added to T's exponent field (as integers;
  ;;     ⌊k/256⌋ ≥ −1010 since v ≥ −700, so the result is normal);
  ;;   • exp(r) ≈ (1 + r) + r²·(1/2 + r/6 + r²/24).
  ;; Each lane sums 128 terms per block of 256 logits; the blocks are added into the row total.
  (func (export "rows") (param $p i32) (param $rows i32) (param $stride i32) (param $out i32)
    (local $row i32) (local $at i32) (local $end i32) (local $blockEnd i32) (local $mf f32)
    (local $mx v128) (local $m v128) (local $total v128) (local $acc v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $scale v128)
    (local $floor v128) (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128)
    (local $ln2loN v128) (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128)
    (local.set $floor (f64x2.splat (global.get $floorG)))
    (local.set $log2eN (f64x2.splat (global.get $log2eNG)))
    (local.set $shifter (f64x2.splat (global.get $shifterG)))
    (local.set $ln2hiN (f64x2.splat (global.get $ln2hiNG)))
    (local.set $ln2loN (f64x2.splat (global.get $ln2loNG)))
    (local.set $one (f64x2.splat (global.get $oneG)))
    (local.set $mask (i64x2.splat (global.get $maskG)))
    (local.set $c2 (f64x2.splat (global.get $c2G)))
    (local.set $c3 (f64x2.splat (global.get $c3G)))
    (local.set $c4 (f64x2.splat (global.get $c4G)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 2))))
        ;; the maximum
        (local.set $mx (f32x4.splat (f32.const -inf)))
        (local.set $at (local.get $p))
        (block $maxDone
          (loop $maxLoop
            (br_if $maxDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (local.get $at))))
            (local.set $at (i32.add (local.get $at) (i32.const 16)))
            (br $maxLoop)))
        (local.set $mf (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
          (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (local.set $m (f64x2.splat (f64.promote_f32 (local.get $mf))))
        ;; the sum, in blocks of 256 logits (1024 bytes)
        (local.set $total (v128.const i64x2 0 0))
        (local.set $at (local.get $p))
        (block $blocksDone
          (loop $blockLoop
            (br_if $blocksDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $blockEnd (select
              (local.get $end)
              (i32.add (local.get $at) (i32.const 1024))
              (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (i32.const 1024))))
            (local.set $acc (v128.const i64x2 0 0))
            (block $sumDone
              (loop $sumLoop
                (br_if $sumDone (i32.ge_u (local.get $at) (local.get $blockEnd)))
                (local.set $v (f64x2.pmax
                  (f64x2.sub
                    (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $at)))
                    (local.get $m))
                  (local.get $floor)))
                (local.set $t (f64x2.add
                  (f64x2.mul (local.get $v) (local.get $log2eN))
                  (local.get $shifter)))
                (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
                (local.set $r (f64x2.sub
                  (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
                  (f64x2.mul (local.get $k) (local.get $ln2loN))))
                (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
                ;; byte offsets 8·(k mod 256) of the two table entries, in i32 lanes 0 and 2
                (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
                (local.set $scale (i64x2.add
                  (v128.load64_lane 1
                    (i32x4.extract_lane 2 (local.get $i))
                    (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
                  (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
                (local.set $acc (f64x2.add
                  (local.get $acc)
                  (f64x2.mul
                    (f64x2.add
                      (f64x2.add (local.get $one) (local.get $r))
                      (f64x2.mul
                        (local.get $r2)
                        (f64x2.add
                          (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                          (f64x2.mul (local.get $r2) (local.get $c4)))))
                    (local.get $scale))))
                (local.set $at (i32.add (local.get $at) (i32.const 8)))
                (br $sumLoop)))
            (local.set $total (f64x2.add (local.get $total) (local.get $acc)))
            (br $blockLoop)))
        (f64.store (local.get $out) (f64.promote_f32 (local.get $mf)))
        (f64.store offset=8 (local.get $out)
          (f64.add (f64x2.extract_lane 0 (local.get $total)) (f64x2.extract_lane 1 (local.get $total))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $p (local.get $end))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; Softmax rows (the gradient; the forward of narrow rows): rows n = 0…rows−1 of cols float32
  ;; logits, contiguous at p (4 readable bytes after the last row): writes m, S at stats + 16n
  ;; and, if write ≠ 0, kScale·exp(x_j − m)/S as f64 at out + 8·(n·cols + j). The shift m is
  ;; the row's first logit (as in softmaxRows.ts: no pass for the maximum, and 1 ≤ S ≤ C·e⁶⁹);
  ;; the exp and the table as in "rows",
  ;; without the clamp. A row with some x_j − m outside [−700, 69] — where a term would
  ;; overflow, or the gradient must show exp's own tiny values or 0 rather than the clamp's —
  ;; reports S = NaN (as does a NaN logit, through S) and the caller recomputes it. Each lane
  ;; sums its terms in order (an odd last logit in lane 0 alone).
  (func (export "softmax") (param $p i32) (param $rows i32) (param $cols i32) (param $out i32)
    (param $stats i32) (param $kScale f64) (param $write i32)
    (local $row i32) (local $at i32) (local $end i32) (local $pairsEnd i32) (local $o i32)
    (local $mf f32) (local $sum f64) (local $f v128)
    (local $m v128) (local $acc v128) (local $e v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $scale v128)
    (local $floor v128) (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128)
    (local $ln2loN v128) (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $lane0 v128) (local $low v128) (local $ceil v128)
    (local.set $floor (f64x2.splat (global.get $floorG)))
    (local.set $log2eN (f64x2.splat (global.get $log2eNG)))
    (local.set $shifter (f64x2.splat (global.get $shifterG)))
    (local.set $ln2hiN (f64x2.splat (global.get $ln2hiNG)))
    (local.set $ln2loN (f64x2.splat (global.get $ln2loNG)))
    (local.set $one (f64x2.splat (global.get $oneG)))
    (local.set $mask (i64x2.splat (global.get $maskG)))
    (local.set $c2 (f64x2.splat (global.get $c2G)))
    (local.set $c3 (f64x2.splat (global.get $c3G)))
    (local.set $c4 (f64x2.splat (global.get $c4G)))
    (local.set $lane0 (v128.const i64x2 -1 0))
    (local.set $ceil (f64x2.splat (global.get $ceilG)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $pairsEnd (i32.add
          (local.get $p)
          (i32.shl (i32.shr_u (local.get $cols) (i32.const 1)) (i32.const 3))))
        ;; the shift: the row's first logit
        (local.set $mf (f32.load (local.get $p)))
        (local.set $m (f64x2.splat (f64.promote_f32 (local.get $mf))))
        ;; the numerators and their sum
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $low (v128.const i64x2 0 0))
        (local.set $at (local.get $p))
        (local.set $o (local.get $out))
        (block $expDone
          (loop $expLoop
            (br_if $expDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $v (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $at)))
              (local.get $m)))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $v) (local.get $log2eN))
              (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $v) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
              (f64x2.mul (local.get $k) (local.get $ln2loN))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
            (local.set $scale (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $e (f64x2.mul
              (f64x2.add
                (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul
                  (local.get $r2)
                  (f64x2.add
                    (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                    (f64x2.mul (local.get $r2) (local.get $c4)))))
              (local.get $scale)))
            (if (i32.lt_u (local.get $at) (local.get $pairsEnd))
              (then
                (if (local.get $write) (then (v128.store (local.get $o) (local.get $e))))
                (local.set $acc (f64x2.add (local.get $acc) (local.get $e)))
                (local.set $low (v128.or
                  (local.get $low)
                  (v128.or
                    (f64x2.lt (local.get $v) (local.get $floor))
                    (f64x2.gt (local.get $v) (local.get $ceil))))))
              (else
                ;; the odd last logit: lane 1 holds the next float (any value), dropped
                (if (local.get $write)
                  (then (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $e)))))
                (local.set $acc (f64x2.add
                  (local.get $acc)
                  (v128.and (local.get $e) (local.get $lane0))))
                (local.set $low (v128.or
                  (local.get $low)
                  (v128.and
                    (v128.or
                      (f64x2.lt (local.get $v) (local.get $floor))
                      (f64x2.gt (local.get $v) (local.get $ceil)))
                    (local.get $lane0))))))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $expLoop)))
        (local.set $sum
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        (if (v128.any_true (local.get $low)) (then (local.set $sum (f64.const nan))))
        (f64.store (local.get $stats) (f64.promote_f32 (local.get $mf)))
        (f64.store offset=8 (local.get $stats) (local.get $sum))
        ;; times kScale/S
        (local.set $f (f64x2.splat (f64.div (local.get $kScale) (local.get $sum))))
        (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 3))))
        (local.set $o (select (local.get $out) (local.get $end) (local.get $write)))
        (block $scaleDone
          (loop $scaleLoop
            (br_if $scaleDone (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
            (v128.store (local.get $o) (f64x2.mul (v128.load (local.get $o)) (local.get $f)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $scaleLoop)))
        (if (i32.lt_u (local.get $o) (local.get $end))
          (then (f64.store (local.get $o)
            (f64.mul (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $f))))))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $out (local.get $end))
        (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop)))))
