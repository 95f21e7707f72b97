;; The gradient of unweighted binary cross-entropy on float32 logits in WebAssembly SIMD (two
;; float64 lanes), for bwSigmoid.ts: gᵢ = k·(σ(xᵢ) − yᵢ) with x, y float32, g float64.
;; Compiled to bwSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there); bwSigmoid.ts derives the
;; error bound and bwSimd.test.ts checks the bytes against this file. Byte offsets are i32:
;; callers keep the memory below 2 GiB.
;;
;; Memory (laid out by bwSigmoid.ts): T[i] = 2^(i/256), i = 0…255, as 256 f64 at byte 0; at
;; byte 2048 the constants, each as two equal f64 (or i64) lanes, 16 bytes apart:
;;   0 unused, 1 256/ln2 = 0x1.71547652b82fep+8, 2 1.5·2⁵² (the shifter),
;;   3 fdlibm's ln2_hi/256 = 0x1.62e42feep-9 (32 bits), 4 (ln2 − ln2_hi)/256 =
;;   0x1.a39ef35793c76p-41, 5 1.0, 6 i64 255, 7 1/2, 8 1/6 = 0x1.5555555555555p-3,
;;   9 1/24 = 0x1.5555555555555p-5, 10 the sign bit (i64 −2⁶³), 11 the scale k;
;; the inputs and the results wherever the caller says.
;; The constants are loaded from memory once per call: lseSimd.wat's splats of mutable globals
;; are re-splatted by V8 inside the loop (one instruction per use, and with 12 vectors live the
;; register allocator then also reloads spilled temporaries every iteration): ~10% slower here.
(module
  (import "env" "memory" (memory 1))
  ;; pairs pairs of float32 logits at px and targets at py (8 bytes a pair): writes
  ;; k·(σ(x) − y) as f64 at out (16 bytes a pair). Per lane, with v = −|x| (x with its sign bit
  ;; set) and the mask h = [x ≠ v] = [x > 0 or x NaN] (x = v for +0 and −0):
  ;;   e = exp(v) as lseSimd.wat's exp (the table, the degree-4 polynomial), no clamp,
  ;;   s = e/(1 + e) = σ(−|x|) ≤ ½,
  ;;   g = k·((h − y) + (1 − 2h)·s), i.e. k·((1 − y) − s) for x > 0 and k·(−y + s) for
  ;;       x ≤ 0 (at x = ±0 both are ½ − y up to the rounding of 1 − y), picked with the mask
  ;;       (h & 1, and s's sign flipped by h & sign bit: no branch).
  ;; NaN x: v, e, s and g are NaN. Returns 1 if some lane had
  ;; v < −700 (|x| > 700, ±∞ included: the table method needs a normal result, and there its
  ;; values are wrong but harmless: the table index is masked), 0 otherwise: the caller then
  ;; recomputes the run. The minimum of v is tracked with pmin, which skips NaN.
  (func (export "grad") (param $px i32) (param $py i32) (param $pairs i32) (param $out i32)
    (result i32)
    (local $end i32)
    (local $x v128) (local $y v128) (local $h v128) (local $e v128) (local $s v128)
    (local $v v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128)
    (local $i v128) (local $scale v128) (local $low v128)
    (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128) (local $ln2loN v128)
    (local $one v128) (local $mask v128) (local $c2 v128) (local $c3 v128) (local $c4 v128)
    (local $sign v128) (local $kk v128)
    (local.set $log2eN (v128.load offset=16 (i32.const 2048)))
    (local.set $shifter (v128.load offset=32 (i32.const 2048)))
    (local.set $ln2hiN (v128.load offset=48 (i32.const 2048)))
    (local.set $ln2loN (v128.load offset=64 (i32.const 2048)))
    (local.set $one (v128.load offset=80 (i32.const 2048)))
    (local.set $mask (v128.load offset=96 (i32.const 2048)))
    (local.set $c2 (v128.load offset=112 (i32.const 2048)))
    (local.set $c3 (v128.load offset=128 (i32.const 2048)))
    (local.set $c4 (v128.load offset=144 (i32.const 2048)))
    (local.set $sign (v128.load offset=160 (i32.const 2048)))
    (local.set $kk (v128.load offset=176 (i32.const 2048)))
    (local.set $low (v128.const i64x2 0 0))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $pairs) (i32.const 3))))
    (block $done
      (loop $pairLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px))))
        (local.set $v (v128.or (local.get $x) (local.get $sign)))
        (local.set $h (f64x2.ne (local.get $x) (local.get $v)))
        (local.set $low (f64x2.pmin (local.get $low) (local.get $v)))
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
        (local.set $e (f64x2.mul
          (f64x2.add
            (f64x2.add (local.get $one) (local.get $r))
            (f64x2.mul
              (local.get $r2)
              (f64x2.add
                (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))
                (f64x2.mul (local.get $r2) (local.get $c4)))))
          (local.get $scale)))
        (local.set $s (f64x2.div (local.get $e) (f64x2.add (local.get $one) (local.get $e))))
        (local.set $y (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))
        ;; (h − y) + (1 − 2h)·s: (1 − y) or −y, plus s with its sign flipped where h
        (v128.store (local.get $out) (f64x2.mul
          (f64x2.add
            (f64x2.sub (v128.and (local.get $h) (local.get $one)) (local.get $y))
            (v128.xor (local.get $s) (v128.and (local.get $h) (local.get $sign))))
          (local.get $kk)))
        (local.set $px (i32.add (local.get $px) (i32.const 8)))
        (local.set $py (i32.add (local.get $py) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $pairLoop)))
    (v128.any_true (f64x2.lt (local.get $low) (f64x2.splat (f64.const -700))))))
