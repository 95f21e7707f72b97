;; The clamp gradients of huber.ts and smoothL1.ts on float32 inputs and targets in WebAssembly
;; SIMD (two float64 lanes), for hgClamp.ts:
;;   "huber":  gᵢ = k·clamp(eᵢ, lo, hi)        (lo = −δ, hi = δ),
;;   "smooth": gᵢ = k·clamp(eᵢ/β, lo, hi)      (lo = −1, hi = 1, β > 0),
;;   "smoothMul": gᵢ = k·clamp(eᵢ·m, lo, hi)  (as "smooth" for β a power of two, m = 1/β),
;; eᵢ = xᵢ − yᵢ in float64 (the float32 values promoted exactly, one rounding as in
;; JavaScript), gᵢ float64.
;; Compiled to hgSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there); hgClamp.ts states why the
;; values equal the JavaScript loops' bit for bit and hgSimd.test.ts checks the bytes against
;; this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by hgClamp.ts): at byte 0 the constants, each as two equal f64 lanes,
;; 16 bytes apart: 0 lo, 1 hi, 2 the scale k, 3 β (for "smooth"; m = 1/β for "smoothMul");
;; the inputs and the results wherever the caller says. Constants are loaded once per call
;; (see bwSimd.wat).
;;
;; The clamp is pmin(pmax(v, lo), hi): pmax(a, b) = a < b ? b : a and pmin(a, b) = b < a ? b : a
;; are one instruction each (f64x2.min/max are long sequences in V8) and, with v as the FIRST
;; operand, return v itself whenever a comparison is false: NaN v stays NaN (as Math.min/max),
;; −0 stays −0 (lo < 0 < hi), ±∞ become hi / lo, v = ±hi gives ±hi.
(module
  (import "env" "memory" (memory 1))
  ;; quads groups of four float32 inputs at px and targets at py (16 bytes each): writes the
  ;; four gradients as f64 at out (32 bytes a group).
  (func (export "huber") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $lo v128) (local $hi v128) (local $k v128)
    (local.set $lo (v128.load (i32.const 0)))
    (local.set $hi (v128.load (i32.const 16)))
    (local.set $k (v128.load (i32.const 32)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $done
      (loop $quadLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (v128.store (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
                (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (v128.store offset=16 (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py))))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $quadLoop))))
  ;; As "huber", with e/β (one rounding, as JavaScript's e / beta) in place of e.
  (func (export "smooth") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $lo v128) (local $hi v128) (local $k v128) (local $beta v128)
    (local.set $lo (v128.load (i32.const 0)))
    (local.set $hi (v128.load (i32.const 16)))
    (local.set $k (v128.load (i32.const 32)))
    (local.set $beta (v128.load (i32.const 48)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $done
      (loop $quadLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (v128.store (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.div
                (f64x2.sub
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))
                (local.get $beta))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (v128.store offset=16 (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.div
                (f64x2.sub
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py))))
                (local.get $beta))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $quadLoop))))
  ;; As "smooth", with e·m in place of e/β, where the caller passes m = 1/β in the β slot only
  ;; when that is exact (β a power of two): the same correctly rounded value, without a division.
  (func (export "smoothMul") (param $px i32) (param $py i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $lo v128) (local $hi v128) (local $k v128) (local $m v128)
    (local.set $lo (v128.load (i32.const 0)))
    (local.set $hi (v128.load (i32.const 16)))
    (local.set $k (v128.load (i32.const 32)))
    (local.set $m (v128.load (i32.const 48)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $quads) (i32.const 4))))
    (block $done
      (loop $quadLoop
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (v128.store (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.mul
                (f64x2.sub
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))
                (local.get $m))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (v128.store offset=16 (local.get $out) (f64x2.mul
          (f64x2.pmin
            (f64x2.pmax
              (f64x2.mul
                (f64x2.sub
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $px)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $py))))
                (local.get $m))
              (local.get $lo))
            (local.get $hi))
          (local.get $k)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $quadLoop)))))
