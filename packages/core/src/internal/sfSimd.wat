;; distillationGrad's rows of float32 logits in WebAssembly SIMD (two float64 lanes), for
;; sfSimd.ts (which derives the error bound, lays out the memory and recomputes flagged rows).
;; Compiled to sfSimdBytes.ts by wabt's wat2wasm 1.0.39; sfSimd.test.ts checks the bytes
;; against this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory: T[i] = 2^(i/256), i = 0…255, as 256 f64 at byte 0; the rest where the caller says.
(module
  (import "env" "memory" (memory 1))
  ;; Constants in mutable globals, read once per call (a constant operand is re-materialised
  ;; by V8 inside the loop).
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
  ;; Rows n = 0…rows−1 of cols float32 student logits at ps and teacher logits at pt (both
  ;; contiguous, 4 readable bytes after the last row), with a = 1/T: per row
  ;; vs_j = a·(s_j − s_0), vt_j = a·(t_j − t_0), es_j = exp(vs_j), et_j = exp(vt_j),
  ;; Ss = Σ es, St = Σ et (each lane sums its terms in order; an odd last logit in lane 0 alone),
  ;; and out[n·cols + j] = k_n·(es_j/Ss − et_j/St) as f64 at out, with k_n the f64 at kp + 8n;
  ;; et goes through the one-row scratch at scr. Ss is stored at stats + 8n, NaN for a row with
  ;; some v outside [−700, 69] (a term would overflow, or must show exp's own tiny value) or a
  ;; NaN logit: the caller recomputes such rows. exp(v) = 2^(k/256)·exp(r):
  ;;   • t = v·256/ln2 + 1.5·2⁵² rounds to an integer, k = t − 1.5·2⁵² exactly, and the low
  ;;     bits of t's mantissa hold k in two's complement;
  ;;   • r = (v − k·LN2HI) − k·LN2LO, |r| ≤ ln2/512 (k·LN2HI and the first subtraction exact);
  ;;   • 2^(k/256) = 2^⌊k/256⌋ · T[k mod 256]: ⌊k/256⌋ added to T's exponent field (as integers);
  ;;   • exp(r) ≈ (1 + r) + r²·(1/2 + r/6 + r²/24).
  (func (export "distillGrad") (param $ps i32) (param $pt i32) (param $rows i32) (param $cols i32)
    (param $out i32) (param $scr i32) (param $kp i32) (param $stats i32) (param $a f64)
    (local $row i32) (local $j i32) (local $pairs i32) (local $o i32) (local $q i32)
    (local $ss f64) (local $st f64) (local $fs v128) (local $ft v128)
    (local $ms v128) (local $mt v128) (local $A v128) (local $accS v128) (local $accT v128)
    (local $low v128) (local $es v128) (local $et v128) (local $vs v128) (local $vt v128)
    (local $t v128) (local $k v128) (local $r v128) (local $r2 v128) (local $i v128)
    (local $scale v128)
    (local $floor v128) (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128)
    (local $ln2loN v128) (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $lane0 v128) (local $ceil v128) (local $flag v128)
    (local.set $floor (f64x2.splat (global.get $floorG)))
    (local.set $ceil (f64x2.splat (global.get $ceilG)))
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
    (local.set $A (f64x2.splat (local.get $a)))
    (local.set $pairs (i32.shr_u (local.get $cols) (i32.const 1)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $ms (f64x2.splat (f64.promote_f32 (f32.load (local.get $ps)))))
        (local.set $mt (f64x2.splat (f64.promote_f32 (f32.load (local.get $pt)))))
        (local.set $accS (v128.const i64x2 0 0))
        (local.set $accT (v128.const i64x2 0 0))
        (local.set $low (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (local.set $o (local.get $out))
        (local.set $q (local.get $scr))
        (block $expDone
          (loop $expLoop
            (br_if $expDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $vs (f64x2.mul
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero
                  (i32.add (local.get $ps) (i32.shl (local.get $j) (i32.const 2)))))
                (local.get $ms))
              (local.get $A)))
            (local.set $vt (f64x2.mul
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero
                  (i32.add (local.get $pt) (i32.shl (local.get $j) (i32.const 2)))))
                (local.get $mt))
              (local.get $A)))
            ;; es = exp(vs)
            (local.set $t (f64x2.add (f64x2.mul (local.get $vs) (local.get $log2eN)) (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $vs) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
              (f64x2.mul (local.get $k) (local.get $ln2loN))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
            (local.set $scale (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $es (f64x2.mul
              (f64x2.add
                (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul
                  (local.get $r2)
                  (f64x2.add
                    (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                    (f64x2.mul (local.get $r2) (local.get $c4)))))
              (local.get $scale)))
            ;; et = exp(vt)
            (local.set $t (f64x2.add (f64x2.mul (local.get $vt) (local.get $log2eN)) (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $vt) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
              (f64x2.mul (local.get $k) (local.get $ln2loN))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
            (local.set $scale (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $et (f64x2.mul
              (f64x2.add
                (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul
                  (local.get $r2)
                  (f64x2.add
                    (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                    (f64x2.mul (local.get $r2) (local.get $c4)))))
              (local.get $scale)))
            (local.set $flag (v128.or
              (v128.or (f64x2.lt (local.get $vs) (local.get $floor)) (f64x2.gt (local.get $vs) (local.get $ceil)))
              (v128.or (f64x2.lt (local.get $vt) (local.get $floor)) (f64x2.gt (local.get $vt) (local.get $ceil)))))
            (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $cols))
              (then
                (v128.store (local.get $o) (local.get $es))
                (v128.store (local.get $q) (local.get $et))
                (local.set $accS (f64x2.add (local.get $accS) (local.get $es)))
                (local.set $accT (f64x2.add (local.get $accT) (local.get $et)))
                (local.set $low (v128.or (local.get $low) (local.get $flag))))
              (else
                ;; the odd last logit: lane 1 holds the next float (any value), dropped
                (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $es)))
                (f64.store (local.get $q) (f64x2.extract_lane 0 (local.get $et)))
                (local.set $accS (f64x2.add (local.get $accS) (v128.and (local.get $es) (local.get $lane0))))
                (local.set $accT (f64x2.add (local.get $accT) (v128.and (local.get $et) (local.get $lane0))))
                (local.set $low (v128.or (local.get $low) (v128.and (local.get $flag) (local.get $lane0))))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $expLoop)))
        (local.set $ss (f64.add (f64x2.extract_lane 0 (local.get $accS)) (f64x2.extract_lane 1 (local.get $accS))))
        (local.set $st (f64.add (f64x2.extract_lane 0 (local.get $accT)) (f64x2.extract_lane 1 (local.get $accT))))
        (if (v128.any_true (local.get $low)) (then (local.set $ss (f64.const nan))))
        (f64.store (local.get $stats) (f64.add (local.get $ss) (local.get $st)))
        ;; out_j = es_j·(k/Ss) − et_j·(k/St)
        (local.set $fs (f64x2.splat (f64.div (f64.load (local.get $kp)) (local.get $ss))))
        (local.set $ft (f64x2.splat (f64.div (f64.load (local.get $kp)) (local.get $st))))
        (local.set $j (i32.const 0))
        (local.set $o (local.get $out))
        (local.set $q (local.get $scr))
        (block $scaleDone
          (loop $scaleLoop
            (br_if $scaleDone (i32.ge_u (local.get $j) (local.get $pairs)))
            (v128.store (local.get $o) (f64x2.sub
              (f64x2.mul (v128.load (local.get $o)) (local.get $fs))
              (f64x2.mul (v128.load (local.get $q)) (local.get $ft))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $scaleLoop)))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then (f64.store (local.get $o) (f64.sub
            (f64.mul (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $fs)))
            (f64.mul (f64.load (local.get $q)) (f64x2.extract_lane 0 (local.get $ft)))))))
        (local.set $ps (i32.add (local.get $ps) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $pt (i32.add (local.get $pt) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 3))))
        (local.set $kp (i32.add (local.get $kp) (i32.const 8)))
        (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; softmaxFocalGrad, first step: rows n = 0…rows−1 of cols float32 logits at p (contiguous, 4
  ;; readable bytes after the last row) with class indices y_n (i32 at ys + 4n, in [0, cols)):
  ;; shifted by the target's logit, e_j = exp(x_j − x_y) as f64 at out + 8·(n·cols + j) (the
  ;; target's own entry gets exp(0) = 1), and O = Σ_{j≠y} e_j at stats + 8n: the target's lane is
  ;; masked out of the sum, so O carries no rounding against the 1. O is NaN for a row with some
  ;; x_j − x_y outside [−700, 69] or a NaN logit; the caller recomputes such rows. The exp as in
  ;; "distillGrad".
  (func (export "focalExp") (param $p i32) (param $ys i32) (param $rows i32) (param $cols i32)
    (param $out i32) (param $stats i32)
    (local $row i32) (local $j i32) (local $o i32) (local $sum f64)
    (local $m v128) (local $acc v128) (local $e v128) (local $v v128) (local $jv v128)
    (local $yv v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $scale v128) (local $keep v128)
    (local $floor v128) (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128)
    (local $ln2loN v128) (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $lane0 v128) (local $ceil v128) (local $low v128) (local $two v128)
    (local.set $floor (f64x2.splat (global.get $floorG)))
    (local.set $ceil (f64x2.splat (global.get $ceilG)))
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
    (local.set $two (v128.const i64x2 2 2))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $yv (i64x2.splat (i64.extend_i32_u (i32.load (local.get $ys)))))
        (local.set $m (f64x2.splat (f64.promote_f32 (f32.load
          (i32.add (local.get $p) (i32.shl (i32.load (local.get $ys)) (i32.const 2)))))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $low (v128.const i64x2 0 0))
        (local.set $jv (v128.const i64x2 0 1))
        (local.set $j (i32.const 0))
        (local.set $o (local.get $out))
        (block $expDone
          (loop $expLoop
            (br_if $expDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $v (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero
                (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))
              (local.get $m)))
            (local.set $t (f64x2.add (f64x2.mul (local.get $v) (local.get $log2eN)) (local.get $shifter)))
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
            ;; the lanes that count: not the target's, and (for an odd last logit) lane 0 only
            (local.set $keep (v128.not (i64x2.eq (local.get $jv) (local.get $yv))))
            (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $cols))
              (then (v128.store (local.get $o) (local.get $e)))
              (else
                (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $e)))
                (local.set $keep (v128.and (local.get $keep) (local.get $lane0)))))
            (local.set $acc (f64x2.add (local.get $acc) (v128.and (local.get $e) (local.get $keep))))
            (local.set $low (v128.or
              (local.get $low)
              (v128.and
                (v128.or
                  (f64x2.lt (local.get $v) (local.get $floor))
                  (f64x2.gt (local.get $v) (local.get $ceil)))
                (local.get $keep))))
            (local.set $jv (i64x2.add (local.get $jv) (local.get $two)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $expLoop)))
        (local.set $sum
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        (if (v128.any_true (local.get $low)) (then (local.set $sum (f64.const nan))))
        (f64.store (local.get $stats) (local.get $sum))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 3))))
        (local.set $ys (i32.add (local.get $ys) (i32.const 4)))
        (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; softmaxFocalGrad, second step: out[n·cols + j] ·= f_n (f64 at fac + 8n), then the target's
  ;; entry out[n·cols + y_n] = g_n (f64 at tv + 8n).
  (func (export "focalScale") (param $out i32) (param $ys i32) (param $rows i32) (param $cols i32)
    (param $fac i32) (param $tv i32)
    (local $row i32) (local $o i32) (local $end i32) (local $f v128)
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $f (f64x2.splat (f64.load (local.get $fac))))
        (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 3))))
        (local.set $o (local.get $out))
        (block $scaleDone
          (loop $scaleLoop
            (br_if $scaleDone (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
            (v128.store (local.get $o) (f64x2.mul (v128.load (local.get $o)) (local.get $f)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $scaleLoop)))
        (if (i32.lt_u (local.get $o) (local.get $end))
          (then (f64.store (local.get $o)
            (f64.mul (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $f))))))
        (f64.store
          (i32.add (local.get $out) (i32.shl (i32.load (local.get $ys)) (i32.const 3)))
          (f64.load (local.get $tv)))
        (local.set $out (local.get $end))
        (local.set $ys (i32.add (local.get $ys) (i32.const 4)))
        (local.set $fac (i32.add (local.get $fac) (i32.const 8)))
        (local.set $tv (i32.add (local.get $tv) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; distillation (forward): rows as in "distillGrad"; per row d = Σ_j e^vt_j·(vt_j − vs_j),
  ;; St and Ss as f64 at stats + 24n, + 8, + 16 (d NaN for a flagged row, as Ss there), so that
  ;; KL = d/St + log(Ss/St) (the log is taken in JavaScript).
  (func (export "distill") (param $ps i32) (param $pt i32) (param $rows i32) (param $cols i32)
    (param $stats i32) (param $a f64)
    (local $row i32) (local $j i32) (local $d f64)
    (local $ms v128) (local $mt v128) (local $A v128) (local $accS v128) (local $accT v128)
    (local $accD v128) (local $keep v128)
    (local $low v128) (local $es v128) (local $et v128) (local $vs v128) (local $vt v128)
    (local $t v128) (local $k v128) (local $r v128) (local $r2 v128) (local $i v128)
    (local $scale v128)
    (local $floor v128) (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128)
    (local $ln2loN v128) (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $lane0 v128) (local $ceil v128) (local $all v128)
    (local.set $floor (f64x2.splat (global.get $floorG)))
    (local.set $ceil (f64x2.splat (global.get $ceilG)))
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
    (local.set $all (v128.const i64x2 -1 -1))
    (local.set $A (f64x2.splat (local.get $a)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $ms (f64x2.splat (f64.promote_f32 (f32.load (local.get $ps)))))
        (local.set $mt (f64x2.splat (f64.promote_f32 (f32.load (local.get $pt)))))
        (local.set $accS (v128.const i64x2 0 0))
        (local.set $accT (v128.const i64x2 0 0))
        (local.set $accD (v128.const i64x2 0 0))
        (local.set $low (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $expDone
          (loop $expLoop
            (br_if $expDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $vs (f64x2.mul
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero
                  (i32.add (local.get $ps) (i32.shl (local.get $j) (i32.const 2)))))
                (local.get $ms))
              (local.get $A)))
            (local.set $vt (f64x2.mul
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero
                  (i32.add (local.get $pt) (i32.shl (local.get $j) (i32.const 2)))))
                (local.get $mt))
              (local.get $A)))
            ;; es = exp(vs)
            (local.set $t (f64x2.add (f64x2.mul (local.get $vs) (local.get $log2eN)) (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $vs) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
              (f64x2.mul (local.get $k) (local.get $ln2loN))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
            (local.set $scale (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $es (f64x2.mul
              (f64x2.add
                (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul
                  (local.get $r2)
                  (f64x2.add
                    (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                    (f64x2.mul (local.get $r2) (local.get $c4)))))
              (local.get $scale)))
            ;; et = exp(vt)
            (local.set $t (f64x2.add (f64x2.mul (local.get $vt) (local.get $log2eN)) (local.get $shifter)))
            (local.set $k (f64x2.sub (local.get $t) (local.get $shifter)))
            (local.set $r (f64x2.sub
              (f64x2.sub (local.get $vt) (f64x2.mul (local.get $k) (local.get $ln2hiN)))
              (f64x2.mul (local.get $k) (local.get $ln2loN))))
            (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 3)))
            (local.set $scale (i64x2.add
              (v128.load64_lane 1
                (i32x4.extract_lane 2 (local.get $i))
                (v128.load64_zero (i32x4.extract_lane 0 (local.get $i))))
              (i64x2.shl (i64x2.shr_u (local.get $t) (i32.const 8)) (i32.const 52))))
            (local.set $et (f64x2.mul
              (f64x2.add
                (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul
                  (local.get $r2)
                  (f64x2.add
                    (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                    (f64x2.mul (local.get $r2) (local.get $c4)))))
              (local.get $scale)))
            ;; both lanes, or (for an odd last logit) lane 0 alone
            (local.set $keep (select (result v128) (local.get $all) (local.get $lane0)
              (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $cols))))
            (local.set $accS (f64x2.add (local.get $accS) (v128.and (local.get $es) (local.get $keep))))
            (local.set $accT (f64x2.add (local.get $accT) (v128.and (local.get $et) (local.get $keep))))
            (local.set $accD (f64x2.add (local.get $accD) (v128.and
              (f64x2.mul (local.get $et) (f64x2.sub (local.get $vt) (local.get $vs)))
              (local.get $keep))))
            (local.set $low (v128.or (local.get $low) (v128.and
              (v128.or
                (v128.or (f64x2.lt (local.get $vs) (local.get $floor)) (f64x2.gt (local.get $vs) (local.get $ceil)))
                (v128.or (f64x2.lt (local.get $vt) (local.get $floor)) (f64x2.gt (local.get $vt) (local.get $ceil))))
              (local.get $keep))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $expLoop)))
        (local.set $d (f64.add (f64x2.extract_lane 0 (local.get $accD)) (f64x2.extract_lane 1 (local.get $accD))))
        (if (v128.any_true (local.get $low)) (then (local.set $d (f64.const nan))))
        (f64.store (local.get $stats) (local.get $d))
        (f64.store offset=8 (local.get $stats)
          (f64.add (f64x2.extract_lane 0 (local.get $accT)) (f64x2.extract_lane 1 (local.get $accT))))
        (f64.store offset=16 (local.get $stats)
          (f64.add (f64x2.extract_lane 0 (local.get $accS)) (f64x2.extract_lane 1 (local.get $accS))))
        (local.set $ps (i32.add (local.get $ps) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $pt (i32.add (local.get $pt) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $stats (i32.add (local.get $stats) (i32.const 24)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop)))))
