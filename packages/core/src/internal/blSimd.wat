;; Binary cross-entropy sums of float32 probabilities p and hard targets y ∈ {0, 1} in
;; WebAssembly SIMD (two float64 lanes), for blSimd.ts, which derives the error bound; the
;; bytes are compiled by wabt's wat2wasm 1.0.39 into blSimdBytes.ts and blSimd.test.ts checks
;; them against this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by blSimd.ts): at byte 0 the 256 cells of logF64Words.ts, 32 bytes each:
;; (c, 1/c, log c, unused) with c the cell's expansion point; the data wherever the caller says.
(module
  (import "env" "memory" (memory 1))
  ;; The constants live in mutable globals, read once per call: a constant operand would be
  ;; re-materialised by V8 inside the loop (see lseSimd.wat).
  (global $oneG (mut f64) (f64.const 1))
  (global $loG (mut f64) (f64.const 0x1p-29)) ;; T_LO = 2⁻²⁹
  (global $hiG (mut f64) (f64.const 0x1.fffffffp-1)) ;; T_HI = 1 − 2⁻²⁹
  (global $biasG (mut i64) (i64.const 0x3fe8000000000000)) ;; bits of 0.75
  (global $maskG (mut i64) (i64.const 0x1fe0)) ;; 255·32: the cell's byte offset after >> 39
  (global $shifterBitsG (mut i64) (i64.const 0x4338000000000000)) ;; bits of 1.5·2⁵²
  (global $shifterG (mut f64) (f64.const 0x1.8p52))
  (global $ln2hiG (mut f64) (f64.const 0x1.62e42feep-1)) ;; fdlibm's ln2_hi (32 bits)
  (global $ln2loG (mut f64) (f64.const 0x1.a39ef35793c76p-33)) ;; ln2 − ln2_hi
  (global $c2G (mut f64) (f64.const -0.5))
  (global $c3G (mut f64) (f64.const 0x1.5555555555555p-2)) ;; 1/3
  (global $c4G (mut f64) (f64.const -0.25))
  (global $c5G (mut f64) (f64.const 0x1.999999999999ap-3)) ;; 1/5
  (global $c6G (mut f64) (f64.const -0x1.5555555555555p-3)) ;; −1/6
  (global $c7G (mut f64) (f64.const 0x1.2492492492492p-3)) ;; 1/7
  ;; Pairs k = 0…pairs−1 of float32 p at p + 8k and y at y + 8k (an even count: the caller pads
  ;; an odd one with p = y = 1, a term +0): per block of 128 pairs (256 elements; the last one
  ;; may be shorter), Σ −log t as f64 at out + 8·block, or NaN if any element of the block fails
  ;; the checks (then the caller recomputes the block). Per element:
  ;;   q = 1 − p, t = q + y·(p − q) (t = p for y = 1, t = q for y = 0, exact: see blSimd.ts),
  ;;   ok = (y·y = y) ∧ t ≥ 2⁻²⁹ ∧ (t ≤ 1 − 2⁻²⁹ ∨ p = y)   (NaN fails),
  ;;   log t as logF64Words: tmp = bits(t) − bits(0.75), e = tmp >> 52, m = 2⁻ᵉ·t ∈ [0.75, 1.5)
  ;;   (bits(t) − e·2⁵²), cell = bits 44…51 of tmp, z = (m − c)·(1/c),
  ;;   log t = e·ln2_hi + (log c + (log1p_7(z) + e·ln2_lo)).
  ;; Each lane sums its ≤ 128 terms of a block in order.
  (func (export "sums") (param $p i32) (param $y i32) (param $pairs i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $a0 i32) (local $a1 i32)
    (local $acc v128) (local $bad v128) (local $pv v128) (local $yv v128) (local $q v128)
    (local $t v128) (local $tmp v128) (local $e v128) (local $ef v128) (local $cell v128)
    (local $z v128) (local $z2 v128)
    (local $one v128) (local $lo v128) (local $hi v128) (local $bias v128) (local $mask v128)
    (local $shifterBits v128) (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128)
    (local $c7 v128)
    (local.set $one (f64x2.splat (global.get $oneG)))
    (local.set $lo (f64x2.splat (global.get $loG)))
    (local.set $hi (f64x2.splat (global.get $hiG)))
    (local.set $bias (i64x2.splat (global.get $biasG)))
    (local.set $mask (i64x2.splat (global.get $maskG)))
    (local.set $shifterBits (i64x2.splat (global.get $shifterBitsG)))
    (local.set $shifter (f64x2.splat (global.get $shifterG)))
    (local.set $ln2hi (f64x2.splat (global.get $ln2hiG)))
    (local.set $ln2lo (f64x2.splat (global.get $ln2loG)))
    (local.set $c2 (f64x2.splat (global.get $c2G)))
    (local.set $c3 (f64x2.splat (global.get $c3G)))
    (local.set $c4 (f64x2.splat (global.get $c4G)))
    (local.set $c5 (f64x2.splat (global.get $c5G)))
    (local.set $c6 (f64x2.splat (global.get $c6G)))
    (local.set $c7 (f64x2.splat (global.get $c7G)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $pairs) (i32.const 3))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $p) (i32.const 1024))
          (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 1024))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $bad (v128.const i64x2 0 0))
        (block $pairsDone
          (loop $pairLoop
            (br_if $pairsDone (i32.ge_u (local.get $p) (local.get $blockEnd)))
            (local.set $pv (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
            (local.set $yv (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $y))))
            (local.set $q (f64x2.sub (local.get $one) (local.get $pv)))
            (local.set $t (f64x2.add
              (local.get $q)
              (f64x2.mul (local.get $yv) (f64x2.sub (local.get $pv) (local.get $q)))))
            ;; bad |= ¬ok
            (local.set $bad (v128.or
              (local.get $bad)
              (v128.not (v128.and
                (v128.and
                  (f64x2.eq (f64x2.mul (local.get $yv) (local.get $yv)) (local.get $yv))
                  (f64x2.ge (local.get $t) (local.get $lo)))
                (v128.or
                  (f64x2.le (local.get $t) (local.get $hi))
                  (f64x2.eq (local.get $pv) (local.get $yv)))))))
            ;; t = 2ᵉ·m: e as an integer and as a float64 (through 1.5·2⁵²'s low bits)
            (local.set $tmp (i64x2.sub (local.get $t) (local.get $bias)))
            (local.set $e (i64x2.shr_s (local.get $tmp) (i32.const 52)))
            (local.set $ef (f64x2.sub
              (i64x2.add (local.get $e) (local.get $shifterBits))
              (local.get $shifter)))
            ;; the cells' byte offsets 32·k in i32 lanes 0 and 2
            (local.set $cell (v128.and (i64x2.shr_u (local.get $tmp) (i32.const 39)) (local.get $mask)))
            (local.set $a0 (i32x4.extract_lane 0 (local.get $cell)))
            (local.set $a1 (i32x4.extract_lane 2 (local.get $cell)))
            ;; z = (m − c)·(1/c)
            (local.set $z (f64x2.mul
              (f64x2.sub
                (i64x2.sub (local.get $t) (i64x2.shl (local.get $e) (i32.const 52)))
                (v128.load64_lane 1 (local.get $a1) (v128.load64_zero (local.get $a0))))
              (v128.load64_lane offset=8 1
                (local.get $a1)
                (v128.load64_zero offset=8 (local.get $a0)))))
            (local.set $z2 (f64x2.mul (local.get $z) (local.get $z)))
            ;; acc −= e·ln2_hi + (log c + (log1p_7(z) + e·ln2_lo))
            (local.set $acc (f64x2.sub
              (local.get $acc)
              (f64x2.add
                (f64x2.mul (local.get $ef) (local.get $ln2hi))
                (f64x2.add
                  (v128.load64_lane offset=16 1
                    (local.get $a1)
                    (v128.load64_zero offset=16 (local.get $a0)))
                  (f64x2.add
                    (f64x2.add
                      (local.get $z)
                      (f64x2.mul
                        (local.get $z2)
                        (f64x2.add
                          (f64x2.add (local.get $c2) (f64x2.mul (local.get $z) (local.get $c3)))
                          (f64x2.mul
                            (local.get $z2)
                            (f64x2.add
                              (f64x2.add (local.get $c4) (f64x2.mul (local.get $z) (local.get $c5)))
                              (f64x2.mul
                                (local.get $z2)
                                (f64x2.add
                                  (local.get $c6)
                                  (f64x2.mul (local.get $z) (local.get $c7)))))))))
                    (f64x2.mul (local.get $ef) (local.get $ln2lo)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $y (i32.add (local.get $y) (i32.const 8)))
            (br $pairLoop)))
        (f64.store (local.get $out) (select
          (f64.const nan)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
          (v128.any_true (local.get $bad))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop)))))
