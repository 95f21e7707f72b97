;; Unweighted binary cross-entropy on float32 logits in WebAssembly SIMD (two float64 lanes), for
;; bwSigmoid.ts: "grad" writes gᵢ = k·(σ(xᵢ) − yᵢ) with x, y float32, g float64; "loss" sums
;; the terms ℓᵢ per block of 1024.
;; Compiled to bwSimdBytes.ts by wabt's wat2wasm 1.0.39 (see there); bwSigmoid.ts derives the
;; error bound and bwSimd.test.ts checks the bytes against this file. Byte offsets are i32:
;; callers keep the memory below 2 GiB.
;;
;; Memory (laid out by bwSigmoid.ts): at byte 0 the table of "grad"'s exp, 2048 i64 words
;; T'[i] = bits(2^(i/2048)) − i·2⁴¹ (bits: the float64's bit pattern as an integer; see "grad");
;; at byte 16384 the constants, each as two equal f64 (or i64) lanes, 16 bytes apart:
;;   0 unused, 1 2048/ln2 = 0x1.71547652b82fep+11, 2 1.5·2⁵² (the shifter),
;;   3 fdlibm's ln2_hi/2048 = 0x1.62e42feep-12 (32 bits), 4 (ln2 − ln2_hi)/2048 =
;;   0x1.a39ef35793c76p-44, 5 1.0, 6 unused, 7 1/2, 8 1/6 = 0x1.5555555555555p-3,
;;   9 unused, 10 the sign bit (i64 −2⁶³), 11 the scale k, 12 512, 13 1/512;
;; the softplus table of spFineTail.ts (for "loss") wherever the caller says, the inputs and
;; the results likewise.
;; The constants are loaded from memory once per call: lseSimd.wat's splats of mutable globals
;; are re-splatted by V8 inside the loop (one instruction per use, and with 12 vectors live the
;; register allocator then also reloads spilled temporaries every iteration): ~10% slower here.
(module
  (import "env" "memory" (memory 1))
  ;; pairs pairs of float32 logits at px and targets at py (8 bytes a pair): writes
  ;; k·(σ(x) − y) as f64 at out (16 bytes a pair). Per lane, with v = −|x| (x with its sign bit
  ;; set) and the mask h = [x ≠ v] = [x > 0 or x NaN] (x = v for +0 and −0):
  ;;   e = exp(v) by a table of 2048 and a degree-3 polynomial, no clamp: t = v·2048/ln2 +
  ;;       shifter holds K = round(v·2048/ln2) in its low bits, r = (v − K·ln2_hi/2048) −
  ;;       K·ln2_lo/2048, e = ((1 + r) + r²·(1/2 + r/6))·2^(K/2048), where 2^(K/2048) is
  ;;       2^(i/2048)·2^⌊K/2048⌋ with i = K mod 2048: its bits are T'[i] + (t << 41) as i64 (the
  ;;       shift puts i at bits 41…51, which T' has subtracted, and ⌊K/2048⌋ mod 2¹² at the
  ;;       exponent field, 52…63); the index i is masked and scaled in scalar i32s (extracted
  ;;       from t), which keeps those operations off the vector ports (~3% here),
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
    (local $scale v128) (local $low v128)
    (local $log2eN v128) (local $shifter v128) (local $ln2hiN v128) (local $ln2loN v128)
    (local $one v128) (local $c2 v128) (local $c3 v128)
    (local $sign v128) (local $kk v128)
    (local.set $log2eN (v128.load offset=16 (i32.const 16384)))
    (local.set $shifter (v128.load offset=32 (i32.const 16384)))
    (local.set $ln2hiN (v128.load offset=48 (i32.const 16384)))
    (local.set $ln2loN (v128.load offset=64 (i32.const 16384)))
    (local.set $one (v128.load offset=80 (i32.const 16384)))
    (local.set $c2 (v128.load offset=112 (i32.const 16384)))
    (local.set $c3 (v128.load offset=128 (i32.const 16384)))
    (local.set $sign (v128.load offset=160 (i32.const 16384)))
    (local.set $kk (v128.load offset=176 (i32.const 16384)))
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
        ;; T'[i] of each lane (byte offset 8·(K mod 2048), from t's i32 lanes 0 and 2), plus t << 41
        (local.set $scale (i64x2.add
          (v128.load64_lane 1
            (i32.shl
              (i32.and (i32x4.extract_lane 2 (local.get $t)) (i32.const 2047))
              (i32.const 3))
            (v128.load64_zero
              (i32.shl
                (i32.and (i32x4.extract_lane 0 (local.get $t)) (i32.const 2047))
                (i32.const 3))))
          (i64x2.shl (local.get $t) (i32.const 41))))
        (local.set $e (f64x2.mul
          (f64x2.add
            (f64x2.add (local.get $one) (local.get $r))
            (f64x2.mul
              (local.get $r2)
              (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))))
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
    (v128.any_true (f64x2.lt (local.get $low) (f64x2.splat (f64.const -700)))))
  ;; The forward: pairs pairs of float32 logits at px and targets at py; for every block of
  ;; 512 pairs (the last one may be shorter) the sum of the terms
  ;;   ℓ = (y·max(−x, 0) + (1 − y)·max(x, 0)) + l,   l = log1p(e^−a), a = |x|,
  ;; as f64 at out + 8·block (each lane sums its ≤ 512 terms in order, the lanes are added at
  ;; the end). l is spFineTail.ts's spSoftplusFine(a) step for step: j = round(512a) (by the
  ;; 1.5·2⁵² shifter), d = a − j/512 (exact), the five entries f, c₁…c₄ of point j (40 bytes at
  ;; tab + 40j, the same values as spFineTail's table), l = f + (d·c₁ + d²·((c₂ + d·c₃) +
  ;; d²·c₄)). Returns 1 if some lane had a > 40 (±∞ included; the index is masked to 15 bits,
  ;; so such a lane reads inside a table of 32768 points, and its value is dropped by the
  ;; caller), 0 otherwise. NaN propagates (and is not flagged: pmax skips it).
  (func (export "loss") (param $px i32) (param $py i32) (param $pairs i32) (param $out i32)
    (param $tab i32) (result i32)
    (local $end i32) (local $blockEnd i32) (local $p0 i32) (local $p1 i32)
    (local $x v128) (local $y v128) (local $a v128) (local $t v128) (local $d v128)
    (local $d2 v128) (local $acc v128) (local $high v128)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $c4 v128)
    (local $shifter v128) (local $one v128) (local $sign v128) (local $n512 v128)
    (local $inv512 v128) (local $zero v128)
    (local.set $shifter (v128.load offset=32 (i32.const 16384)))
    (local.set $one (v128.load offset=80 (i32.const 16384)))
    (local.set $sign (v128.load offset=160 (i32.const 16384)))
    (local.set $n512 (v128.load offset=192 (i32.const 16384)))
    (local.set $inv512 (v128.load offset=208 (i32.const 16384)))
    (local.set $zero (v128.const i64x2 0 0))
    (local.set $high (v128.const i64x2 0 0))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $pairs) (i32.const 3))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (block $done
          (loop $pairLoop
            (br_if $done (i32.ge_u (local.get $px) (local.get $blockEnd)))
            (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px))))
            (local.set $a (v128.andnot (local.get $x) (local.get $sign)))
            (local.set $high (f64x2.pmax (local.get $high) (local.get $a)))
            (local.set $t (f64x2.add
              (f64x2.mul (local.get $a) (local.get $n512))
              (local.get $shifter)))
            (local.set $d (f64x2.sub
              (local.get $a)
              (f64x2.mul (f64x2.sub (local.get $t) (local.get $shifter)) (local.get $inv512))))
            (local.set $p0 (i32.add (local.get $tab) (i32.mul
              (i32.and (i32x4.extract_lane 0 (local.get $t)) (i32.const 32767))
              (i32.const 40))))
            (local.set $p1 (i32.add (local.get $tab) (i32.mul
              (i32.and (i32x4.extract_lane 2 (local.get $t)) (i32.const 32767))
              (i32.const 40))))
            (local.set $a0 (v128.load (local.get $p0)))
            (local.set $a1 (v128.load (local.get $p1)))
            (local.set $b0 (v128.load offset=16 (local.get $p0)))
            (local.set $b1 (v128.load offset=16 (local.get $p1)))
            (local.set $c4 (v128.load64_lane offset=32 1
              (local.get $p1)
              (v128.load64_zero offset=32 (local.get $p0))))
            (local.set $d2 (f64x2.mul (local.get $d) (local.get $d)))
            (local.set $y (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py))))
            (local.set $acc (f64x2.add
              (local.get $acc)
              (f64x2.add
                (f64x2.add
                  (f64x2.mul
                    (local.get $y)
                    (f64x2.pmax (v128.xor (local.get $x) (local.get $sign)) (local.get $zero)))
                  (f64x2.mul
                    (f64x2.sub (local.get $one) (local.get $y))
                    (f64x2.pmax (local.get $x) (local.get $zero))))
                (f64x2.add
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                    (local.get $a0) (local.get $a1))
                  (f64x2.add
                    (f64x2.mul
                      (local.get $d)
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                        (local.get $a0) (local.get $a1)))
                    (f64x2.mul
                      (local.get $d2)
                      (f64x2.add
                        (f64x2.add
                          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                            (local.get $b0) (local.get $b1))
                          (f64x2.mul
                            (local.get $d)
                            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                              (local.get $b0) (local.get $b1))))
                        (f64x2.mul (local.get $d2) (local.get $c4)))))))))
            (local.set $px (i32.add (local.get $px) (i32.const 8)))
            (local.set $py (i32.add (local.get $py) (i32.const 8)))
            (br $pairLoop)))
        (f64.store (local.get $out)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop)))
    (v128.any_true (f64x2.gt (local.get $high) (f64x2.splat (f64.const 40))))))
