;; Binary cross-entropy sums of float32 probabilities p and hard targets y ∈ {0, 1} in
;; WebAssembly SIMD (float64 lanes), for blSimd.ts, which derives the error bound; the bytes are
;; compiled by wabt's wat2wasm 1.0.39 into blSimdBytes.ts and blSimd.test.ts checks them against
;; this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by blSimd.ts): at byte 0 the 256 cells of logF64Words.ts, 32 bytes each:
;; (c, 1/c, log c, unused) with c the cell's expansion point; the data wherever the caller says.
(module
  (import "env" "memory" (memory 1))
  ;; The constants live in mutable globals, read once per call: a constant operand would be
  ;; re-materialised by V8 inside the loop (see lseSimd.wat).
  (global $oneG (mut f64) (f64.const 1))
  (global $one32G (mut f32) (f32.const 1))
  (global $loG (mut f32) (f32.const 0x1p-29)) ;; 2⁻²⁹
  ;; 1023·2⁵² − bits(0.75): bits(t) plus this is e + 1023 in the exponent field, m's mantissa below
  (global $biasG (mut i64) (i64.const 0x0008000000000000))
  (global $mantG (mut i64) (i64.const 0x000fffffffffffff))
  (global $mBitsG (mut i64) (i64.const 0x3fe8000000000000)) ;; bits of 0.75
  (global $maskG (mut i64) (i64.const 0x1fe0)) ;; 255·32: the cell's byte offset after >> 39
  (global $shifterBitsG (mut i64) (i64.const 0x4338000000000000)) ;; bits of 1.5·2⁵²
  (global $shifterG (mut f64) (f64.const 0x1.80000000003ffp52)) ;; 1.5·2⁵² + 1023
  (global $ln2hiG (mut f64) (f64.const 0x1.62e42feep-1)) ;; fdlibm's ln2_hi (32 bits)
  (global $ln2loG (mut f64) (f64.const 0x1.a39ef35793c76p-33)) ;; ln2 − ln2_hi
  (global $c2G (mut f64) (f64.const -0.5))
  (global $c3G (mut f64) (f64.const 0x1.5555555555555p-2)) ;; 1/3
  (global $c4G (mut f64) (f64.const -0.25))
  (global $c5G (mut f64) (f64.const 0x1.999999999999ap-3)) ;; 1/5
  (global $c6G (mut f64) (f64.const -0x1.5555555555555p-3)) ;; −1/6
  (global $c7G (mut f64) (f64.const 0x1.2492492492492p-3)) ;; 1/7
  ;; Quads k = 0…quads−1 of float32 p at p + 16k and y at y + 16k (the caller pads the count to
  ;; a multiple of 4 with p = y = 1, terms +0): per block of 64 quads (256 elements; the last
  ;; one may be shorter), Σ −log t as f64 at out + 8·block, or NaN if any element of the block
  ;; fails the check (then the caller recomputes the block). Per element:
  ;;   ok = (y = 0 ∨ y = 1) ∧ ((2⁻²⁹ ≤ p ≤ 1 ∧ p ≠ 1 − y) ∨ p = y)   (float32; NaN fails),
  ;;   t = p if y = 1, else 1 − p (float64: exact, see blSimd.ts),
  ;;   log t as logF64Words: e = the exponent of t relative to [0.75, 1.5), m = 2⁻ᵉ·t, the cell
  ;;   k = bits 44…51 of m's mantissa offset, z = (m − c)·(1/c),
  ;;   log t = e·ln2_hi + (log c + (log1p_7(z) + e·ln2_lo)).
  ;; Elements 4i + j go to lane j of the pair accumulators accA (j = 0, 1) and accB (j = 2, 3),
  ;; each summing its ≤ 64 terms of a block in order; the block sum is (A₀ + B₀) + (A₁ + B₁).
  (func (export "sums") (param $p i32) (param $y i32) (param $quads i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $a0 i32) (local $a1 i32)
    (local $accA v128) (local $accB v128) (local $ok v128) (local $p4 v128) (local $y4 v128)
    (local $y1 v128) (local $sum v128)
    (local $tA v128) (local $tmpA v128) (local $efA v128) (local $cellA v128) (local $zA v128)
    (local $z2A v128)
    (local $tB v128) (local $tmpB v128) (local $efB v128) (local $cellB v128) (local $zB v128)
    (local $z2B v128)
    (local $one v128) (local $one32 v128) (local $lo v128) (local $bias v128)
    (local $mant v128) (local $mBits v128) (local $mask v128) (local $shifterBits v128)
    (local $shifter v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128)
    (local $c7 v128)
    (local.set $one (f64x2.splat (global.get $oneG)))
    (local.set $one32 (f32x4.splat (global.get $one32G)))
    (local.set $lo (f32x4.splat (global.get $loG)))
    (local.set $bias (i64x2.splat (global.get $biasG)))
    (local.set $mant (i64x2.splat (global.get $mantG)))
    (local.set $mBits (i64x2.splat (global.get $mBitsG)))
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
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $quads) (i32.const 4))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $p) (i32.const 1024))
          (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 1024))))
        (local.set $accA (v128.const i64x2 0 0))
        (local.set $accB (v128.const i64x2 0 0))
        (local.set $ok (v128.const i32x4 -1 -1 -1 -1))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $p) (local.get $blockEnd)))
            (local.set $p4 (v128.load (local.get $p)))
            (local.set $y4 (v128.load (local.get $y)))
            (local.set $y1 (f32x4.eq (local.get $y4) (local.get $one32)))
            (local.set $ok (v128.and
              (local.get $ok)
              (v128.and
                (v128.or (local.get $y1) (f32x4.eq (local.get $y4) (v128.const i32x4 0 0 0 0)))
                (v128.or
                  (v128.and
                    (v128.and
                      (f32x4.ge (local.get $p4) (local.get $lo))
                      (f32x4.le (local.get $p4) (local.get $one32)))
                    (f32x4.ne
                      (local.get $p4)
                      (f32x4.sub (local.get $one32) (local.get $y4))))
                  (f32x4.eq (local.get $p4) (local.get $y4))))))
            ;; A: t = p where y = 1, else 1 − p
            (local.set $tA (v128.bitselect
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p)))
              (f64x2.sub (local.get $one) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))
              (i64x2.extend_low_i32x4_s (local.get $y1))))
            ;; tmp = bits(t) − bits(0.75) + 1023·2⁵² ≥ 0: e + 1023 = tmp >> 52, m = 2⁻ᵉ·t from its
            ;; low 52 bits, the cell's byte offset 32·k from bits 44…51
            (local.set $tmpA (i64x2.add (local.get $tA) (local.get $bias)))
            (local.set $efA (f64x2.sub
              (i64x2.add (i64x2.shr_u (local.get $tmpA) (i32.const 52)) (local.get $shifterBits))
              (local.get $shifter)))
            (local.set $cellA (v128.and (i64x2.shr_u (local.get $tmpA) (i32.const 39)) (local.get $mask)))
            (local.set $a0 (i32x4.extract_lane 0 (local.get $cellA)))
            (local.set $a1 (i32x4.extract_lane 2 (local.get $cellA)))
            ;; z = (m − c)·(1/c)
            (local.set $zA (f64x2.mul
              (f64x2.sub
                (i64x2.add (v128.and (local.get $tmpA) (local.get $mant)) (local.get $mBits))
                (v128.load64_lane 1 (local.get $a1) (v128.load64_zero (local.get $a0))))
              (v128.load64_lane offset=8 1
                (local.get $a1)
                (v128.load64_zero offset=8 (local.get $a0)))))
            (local.set $z2A (f64x2.mul (local.get $zA) (local.get $zA)))
            ;; acc −= e·ln2_hi + (log c + (log1p_7(z) + e·ln2_lo))
            (local.set $accA (f64x2.sub
              (local.get $accA)
              (f64x2.add
                (f64x2.mul (local.get $efA) (local.get $ln2hi))
                (f64x2.add
                  (v128.load64_lane offset=16 1
                    (local.get $a1)
                    (v128.load64_zero offset=16 (local.get $a0)))
                  (f64x2.add
                    (f64x2.add
                      (local.get $zA)
                      (f64x2.mul
                        (local.get $z2A)
                        (f64x2.add
                          (f64x2.add (local.get $c2) (f64x2.mul (local.get $zA) (local.get $c3)))
                          (f64x2.mul
                            (local.get $z2A)
                            (f64x2.add
                              (f64x2.add (local.get $c4) (f64x2.mul (local.get $zA) (local.get $c5)))
                              (f64x2.mul
                                (local.get $z2A)
                                (f64x2.add
                                  (local.get $c6)
                                  (f64x2.mul (local.get $zA) (local.get $c7)))))))))
                    (f64x2.mul (local.get $efA) (local.get $ln2lo)))))))
            ;; B: t = p where y = 1, else 1 − p
            (local.set $tB (v128.bitselect
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p)))
              (f64x2.sub (local.get $one) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))
              (i64x2.extend_high_i32x4_s (local.get $y1))))
            ;; tmp = bits(t) − bits(0.75) + 1023·2⁵² ≥ 0: e + 1023 = tmp >> 52, m = 2⁻ᵉ·t from its
            ;; low 52 bits, the cell's byte offset 32·k from bits 44…51
            (local.set $tmpB (i64x2.add (local.get $tB) (local.get $bias)))
            (local.set $efB (f64x2.sub
              (i64x2.add (i64x2.shr_u (local.get $tmpB) (i32.const 52)) (local.get $shifterBits))
              (local.get $shifter)))
            (local.set $cellB (v128.and (i64x2.shr_u (local.get $tmpB) (i32.const 39)) (local.get $mask)))
            (local.set $a0 (i32x4.extract_lane 0 (local.get $cellB)))
            (local.set $a1 (i32x4.extract_lane 2 (local.get $cellB)))
            ;; z = (m − c)·(1/c)
            (local.set $zB (f64x2.mul
              (f64x2.sub
                (i64x2.add (v128.and (local.get $tmpB) (local.get $mant)) (local.get $mBits))
                (v128.load64_lane 1 (local.get $a1) (v128.load64_zero (local.get $a0))))
              (v128.load64_lane offset=8 1
                (local.get $a1)
                (v128.load64_zero offset=8 (local.get $a0)))))
            (local.set $z2B (f64x2.mul (local.get $zB) (local.get $zB)))
            ;; acc −= e·ln2_hi + (log c + (log1p_7(z) + e·ln2_lo))
            (local.set $accB (f64x2.sub
              (local.get $accB)
              (f64x2.add
                (f64x2.mul (local.get $efB) (local.get $ln2hi))
                (f64x2.add
                  (v128.load64_lane offset=16 1
                    (local.get $a1)
                    (v128.load64_zero offset=16 (local.get $a0)))
                  (f64x2.add
                    (f64x2.add
                      (local.get $zB)
                      (f64x2.mul
                        (local.get $z2B)
                        (f64x2.add
                          (f64x2.add (local.get $c2) (f64x2.mul (local.get $zB) (local.get $c3)))
                          (f64x2.mul
                            (local.get $z2B)
                            (f64x2.add
                              (f64x2.add (local.get $c4) (f64x2.mul (local.get $zB) (local.get $c5)))
                              (f64x2.mul
                                (local.get $z2B)
                                (f64x2.add
                                  (local.get $c6)
                                  (f64x2.mul (local.get $zB) (local.get $c7)))))))))
                    (f64x2.mul (local.get $efB) (local.get $ln2lo)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br $quadLoop)))
        (local.set $sum (f64x2.add (local.get $accA) (local.get $accB)))
        (f64.store (local.get $out) (select
          (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum)))
          (f64.const nan)
          (i32x4.all_true (local.get $ok))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop)))))
