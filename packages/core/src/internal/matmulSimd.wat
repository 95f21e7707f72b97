;; The register tile of matmulNT.ts (2 rows of A × 4 rows of B) in WebAssembly SIMD, over
;; packed operands: each accumulator is an f64x2 holding the partial sums of the even and the odd
;; k, so one step of the inner loop does 16 multiply-adds with 6 vector loads, all at constant
;; offsets from two pointers (the packing below puts every step's operands side by side: no
;; per-load address arithmetic, 21% faster than loading from the row-major matrices).
;; Compiled to matmulSimdBytes.ts by wabt's wat2wasm (see there). Byte offsets are i32: callers
;; keep every buffer below 2 GiB.
;;
;; Layout (written by matmulNT.ts for one slice k0 ≤ t < k0 + 2·steps of the inner dimension):
;;   A packed by row pairs at pa: pair p (rows 2p, 2p + 1), step s: the four f64
;;     A[2p, k0+2s], A[2p, k0+2s+1], A[2p+1, k0+2s], A[2p+1, k0+2s+1]   (32 bytes a step);
;;   B packed by quads of rows at pb: quad q (rows j0 + 4q … + 3), step s: the eight f64
;;     B[j, k0+2s], B[j, k0+2s+1] for j = j0 + 4q, …, j0 + 4q + 3            (64 bytes a step);
;;   C row-major [·, n] with pc pointing at C[0, j0].
(module
  (import "env" "memory" (memory 1))
  ;; For pairs p < pairs and quads q < quads: C[2p + r, j0 + 4q + c] += alpha · (lane 0 + lane 1)
  ;; of Σ_s A-pair-lanes · B-quad-lanes, i.e. alpha · Σ_{k0 ≤ t < k1} A[i,t]·B[j,t], the even t
  ;; summed in lane 0, the odd t in lane 1, in order. steps ≥ 1.
  (func (export "packed") (param $pa i32) (param $pb i32) (param $pc i32) (param $pairs i32)
    (param $quads i32) (param $n i32) (param $steps i32) (param $alpha f64)
    (local $p i32) (local $q i32) (local $ap i32) (local $bp i32) (local $aEnd i32)
    (local $aBase i32) (local $c0 i32) (local $c1 i32) (local $aStride i32) (local $bStride i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128) (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $aStride (i32.shl (local.get $steps) (i32.const 5)))
    (local.set $bStride (i32.shl (local.get $steps) (i32.const 6)))
    (block $pDone
      (loop $pLoop
        (br_if $pDone (i32.ge_u (local.get $p) (local.get $pairs)))
        (local.set $aBase (i32.add (local.get $pa) (i32.mul (local.get $p) (local.get $aStride))))
        (local.set $aEnd (i32.add (local.get $aBase) (local.get $aStride)))
        (local.set $c0 (i32.add (local.get $pc) (i32.shl (i32.mul (i32.shl (local.get $p) (i32.const 1)) (local.get $n)) (i32.const 3))))
        (local.set $c1 (i32.add (local.get $c0) (i32.shl (local.get $n) (i32.const 3))))
        (local.set $bp (local.get $pb))
        (local.set $q (i32.const 0))
        (block $qDone
          (loop $qLoop
            (br_if $qDone (i32.ge_u (local.get $q) (local.get $quads)))
            (local.set $ap (local.get $aBase))
            (local.set $s00 (v128.const i64x2 0 0))
            (local.set $s01 (v128.const i64x2 0 0))
            (local.set $s02 (v128.const i64x2 0 0))
            (local.set $s03 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0))
            (local.set $s11 (v128.const i64x2 0 0))
            (local.set $s12 (v128.const i64x2 0 0))
            (local.set $s13 (v128.const i64x2 0 0))
            (loop $tLoop
              (local.set $x0 (v128.load (local.get $ap)))
              (local.set $x1 (v128.load offset=16 (local.get $ap)))
              (local.set $y (v128.load (local.get $bp)))
              (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x0) (local.get $y))))
              (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x1) (local.get $y))))
              (local.set $y (v128.load offset=16 (local.get $bp)))
              (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x0) (local.get $y))))
              (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x1) (local.get $y))))
              (local.set $y (v128.load offset=32 (local.get $bp)))
              (local.set $s02 (f64x2.add (local.get $s02) (f64x2.mul (local.get $x0) (local.get $y))))
              (local.set $s12 (f64x2.add (local.get $s12) (f64x2.mul (local.get $x1) (local.get $y))))
              (local.set $y (v128.load offset=48 (local.get $bp)))
              (local.set $s03 (f64x2.add (local.get $s03) (f64x2.mul (local.get $x0) (local.get $y))))
              (local.set $s13 (f64x2.add (local.get $s13) (f64x2.mul (local.get $x1) (local.get $y))))
              (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 64)))
              (br_if $tLoop (i32.lt_u (local.get $ap) (local.get $aEnd))))
            (f64.store (local.get $c0) (f64.add (f64.load (local.get $c0)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s00)) (f64x2.extract_lane 1 (local.get $s00))))))
            (f64.store offset=8 (local.get $c0) (f64.add (f64.load offset=8 (local.get $c0)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s01)) (f64x2.extract_lane 1 (local.get $s01))))))
            (f64.store offset=16 (local.get $c0) (f64.add (f64.load offset=16 (local.get $c0)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s02)) (f64x2.extract_lane 1 (local.get $s02))))))
            (f64.store offset=24 (local.get $c0) (f64.add (f64.load offset=24 (local.get $c0)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s03)) (f64x2.extract_lane 1 (local.get $s03))))))
            (f64.store (local.get $c1) (f64.add (f64.load (local.get $c1)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s10)) (f64x2.extract_lane 1 (local.get $s10))))))
            (f64.store offset=8 (local.get $c1) (f64.add (f64.load offset=8 (local.get $c1)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s11)) (f64x2.extract_lane 1 (local.get $s11))))))
            (f64.store offset=16 (local.get $c1) (f64.add (f64.load offset=16 (local.get $c1)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s12)) (f64x2.extract_lane 1 (local.get $s12))))))
            (f64.store offset=24 (local.get $c1) (f64.add (f64.load offset=24 (local.get $c1)) (f64.mul (local.get $alpha)
              (f64.add (f64x2.extract_lane 0 (local.get $s13)) (f64x2.extract_lane 1 (local.get $s13))))))
            (local.set $c0 (i32.add (local.get $c0) (i32.const 32)))
            (local.set $c1 (i32.add (local.get $c1) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $qLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pLoop)))))
