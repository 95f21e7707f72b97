;; The soft-margin loss summed over float32 scores and labels in WebAssembly SIMD (two float64
;; lanes), for smSimd.ts: Σ softplus(zᵢ), zᵢ = −yᵢ·xᵢ, in blocks. Compiled to smSimdBytes.ts by
;; wabt's wat2wasm 1.0.39 (see there); smSimd.ts derives the error bound and smSimd.test.ts checks
;; the bytes against this file. Byte offsets are i32: callers keep the memory below 2 GiB.
;;
;; Memory (laid out by smSimd.ts): at byte 0 the constants, each as two equal f64 (or integer)
;; lanes, 16 bytes apart:
;;   0 512 (the grid's points per unit), 1 1.5·2⁵² (the shifter), 2 i64 32767 (the index
;;   mask), 3 512·40 (the table's end, scaled), 4 the sign bit (i64 −2⁶³);
;; at byte 256 the table: point j (aⱼ = j/512, j = 0…32767, 64 bytes a point) holds five f64,
;; log1p(e^−aⱼ) and its four Taylor terms divided by 512ⁿ, n = 1…4 (spFineTail.ts's SOFTPLUS
;; entries, scaled exactly by powers of 2 so that the polynomial takes 512·d; points past 20480
;; are zeros, never used for a result, and keep every masked index inside the memory); the
;; inputs and the results wherever the caller says.
;; The constants are loaded from memory once per call (bwSimd.wat: splats of globals are
;; re-splatted by V8 inside the loop).
(module
  (import "env" "memory" (memory 1))
  ;; pairs pairs of float32 scores at px and labels at py (8 bytes a pair), in blocks of 512
  ;; pairs (1024 elements; the last block may be shorter): writes each block's Σ softplus(−y·x)
  ;; as f64 at out + 8b, or NaN where some lane had |z| > 40 (beyond the table: ±∞ included;
  ;; tracked as the maximum of 512·|z| with pmax) or a NaN (which reaches the sum through d).
  ;; Per lane, z = −y·x (exact in float64), s = 512·|z| (exact):
  ;;   t = s + 1.5·2⁵² rounds s to the integer j, held in t's low mantissa bits;
  ;;   d = s − (t − 1.5·2⁵²) = s − j exactly, |d| ≤ ½ (512 times spFineTail's d);
  ;;   f = T₀ + (d·T₁ + d²·((T₂ + d·T₃) + d²·T₄)) with Tₙ point j's entries (byte 256 + 64j + 8n,
  ;;       j masked to 15 bits, loaded per lane): spSoftplusFine's value, every product the
  ;;       same up to exact powers of 2;
  ;;   ℓ = pmax(0, z) + f = max(z, 0) + log1p(e^−|z|).
  ;; Each lane adds its terms in order into a block accumulator; the block's sum is lane 0 +
  ;; lane 1.
  (func (export "sums") (param $px i32) (param $py i32) (param $pairs i32) (param $out i32)
    (local $end i32) (local $blockEnd i32) (local $i0 i32) (local $i1 i32)
    (local $z v128) (local $s v128) (local $t v128) (local $d v128) (local $d2 v128)
    (local $i v128) (local $acc v128) (local $amax v128) (local $c v128)
    (local $scale v128) (local $shifter v128) (local $mask v128) (local $sign v128)
    (local.set $scale (v128.load offset=0 (i32.const 0)))
    (local.set $shifter (v128.load offset=16 (i32.const 0)))
    (local.set $mask (v128.load offset=32 (i32.const 0)))
    (local.set $sign (v128.load offset=64 (i32.const 0)))
    (local.set $end (i32.add (local.get $px) (i32.shl (local.get $pairs) (i32.const 3))))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $blockEnd (select
          (local.get $end)
          (i32.add (local.get $px) (i32.const 4096))
          (i32.lt_u (i32.sub (local.get $end) (local.get $px)) (i32.const 4096))))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $amax (v128.const i64x2 0 0))
        (block $pairsDone
          (loop $pairLoop
            (br_if $pairsDone (i32.ge_u (local.get $px) (local.get $blockEnd)))
            ;; z = −y·x (the sign bit flipped), s = 512·|z| (exact), amax = max(amax, |z|)
            (local.set $z (v128.xor
              (local.get $sign)
              (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $py)))
                (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $px))))))
            (local.set $s (f64x2.mul (v128.andnot (local.get $z) (local.get $sign)) (local.get $scale)))
            (local.set $amax (f64x2.pmax (local.get $amax) (local.get $s)))
            ;; t holds j = round(s) in its low mantissa bits; d = s − j (exact), |d| ≤ ½
            (local.set $t (f64x2.add (local.get $s) (local.get $shifter)))
            (local.set $d (f64x2.sub
              (local.get $s)
              (f64x2.sub (local.get $t) (local.get $shifter))))
            (local.set $d2 (f64x2.mul (local.get $d) (local.get $d)))
            ;; byte offsets 64·j of the two points, in i32 lanes 0 and 2
            (local.set $i (i64x2.shl (v128.and (local.get $t) (local.get $mask)) (i32.const 6)))
            (local.set $i0 (i32x4.extract_lane 0 (local.get $i)))
            (local.set $i1 (i32x4.extract_lane 2 (local.get $i)))
            ;; T₂ + d·T₃ + d²·T₄
            (local.set $c (f64x2.add
              (f64x2.add
                (v128.load64_lane offset=272 1 (local.get $i1)
                  (v128.load64_zero offset=272 (local.get $i0)))
                (f64x2.mul
                  (local.get $d)
                  (v128.load64_lane offset=280 1 (local.get $i1)
                    (v128.load64_zero offset=280 (local.get $i0)))))
              (f64x2.mul
                (local.get $d2)
                (v128.load64_lane offset=288 1 (local.get $i1)
                  (v128.load64_zero offset=288 (local.get $i0))))))
            ;; acc += max(z, 0) + (T₀ + (d·T₁ + d²·c))
            (local.set $acc (f64x2.add
              (local.get $acc)
              (f64x2.add
                (f64x2.pmax (v128.const i64x2 0 0) (local.get $z))
                (f64x2.add
                  (v128.load64_lane offset=256 1 (local.get $i1)
                    (v128.load64_zero offset=256 (local.get $i0)))
                  (f64x2.add
                    (f64x2.mul
                      (local.get $d)
                      (v128.load64_lane offset=264 1 (local.get $i1)
                        (v128.load64_zero offset=264 (local.get $i0))))
                    (f64x2.mul (local.get $d2) (local.get $c)))))))
            (local.set $px (i32.add (local.get $px) (i32.const 8)))
            (local.set $py (i32.add (local.get $py) (i32.const 8)))
            (br $pairLoop)))
        (f64.store (local.get $out) (select
          (f64.const nan)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
          (v128.any_true (f64x2.gt (local.get $amax) (v128.load offset=48 (i32.const 0))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $blockLoop)))))
