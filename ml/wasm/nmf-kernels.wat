;; The NMF solver's two passes (ml/nmf.ts, α = 1) in WebAssembly with 128-bit SIMD: two factors per
;; instruction, and no bounds check per element (linear memory is guarded by the engine). Built into
;; ml/wasm/nmf-kernels.ts by `npm run build:wasm` (wabt's wat2wasm); the TypeScript kernels in
;; ml/nmf-kernels.ts do the same steps and are used where WebAssembly SIMD is not available.
;;
;; Every pointer is a byte offset into the module's memory; arrays are row-major float64 (factors
;; k per row) and int32 (CSR indptr and column indices).
(module
  (memory (export "memory") 1)

  ;; x = x[0..k), b = b[0..k): one sweep of projected coordinate descent on ½ xᵀAx − bᵀx, x ≥ 0:
  ;; x_f ← max(0, x_f − ((A x)_f − b_f) / A_ff), f = 0..k−1 in order (each step sees the ones before).
  (func $sweep (param $A i32) (param $x i32) (param $b i32) (param $k i32)
    (local $f i32) (local $g i32) (local $row i32) (local $k2 i32) (local $h f64) (local $acc v128) (local $ax f64) (local $t f64)
    (local.set $k2 (i32.and (local.get $k) (i32.const -2)))
    (local.set $f (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $f) (local.get $k)))
        (local.set $row (i32.add (local.get $A) (i32.shl (i32.mul (local.get $f) (local.get $k)) (i32.const 3))))
        (local.set $h (f64.load (i32.add (local.get $row) (i32.shl (local.get $f) (i32.const 3)))))
        (if (f64.gt (local.get $h) (f64.const 0))
          (then
            ;; (A x)_f, two products at a time, then the odd one.
            (local.set $acc (v128.const f64x2 0 0))
            (local.set $g (i32.const 0))
            (block $pairs_done
              (loop $pairs
                (br_if $pairs_done (i32.ge_u (local.get $g) (local.get $k2)))
                (local.set $acc
                  (f64x2.add (local.get $acc)
                    (f64x2.mul
                      (v128.load (i32.add (local.get $row) (i32.shl (local.get $g) (i32.const 3))))
                      (v128.load (i32.add (local.get $x) (i32.shl (local.get $g) (i32.const 3)))))))
                (local.set $g (i32.add (local.get $g) (i32.const 2)))
                (br $pairs)))
            (local.set $ax (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
            (if (i32.lt_u (local.get $k2) (local.get $k))
              (then
                (local.set $ax (f64.add (local.get $ax)
                  (f64.mul
                    (f64.load (i32.add (local.get $row) (i32.shl (local.get $k2) (i32.const 3))))
                    (f64.load (i32.add (local.get $x) (i32.shl (local.get $k2) (i32.const 3)))))))))
            (local.set $t
              (f64.sub
                (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3))))
                (f64.div
                  (f64.sub (local.get $ax) (f64.load (i32.add (local.get $b) (i32.shl (local.get $f) (i32.const 3)))))
                  (local.get $h))))
            (f64.store (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))
              (select (local.get $t) (f64.const 0) (f64.gt (local.get $t) (f64.const 0))))))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $each))))

  ;; The W pass: for each of the rows i0..i1 of R (CSR: indptr, indices, values; indices and values
  ;; hold the entries from position `base` on, the rows' own), b = Σ r_ij · H_j, one
  ;; sweep of W_i against A (= HᵀH + λI), then RtW_j += r_ij · W_i for the H pass. RtW must be zero.
  (func (export "wPass") (param $A i32) (param $W i32) (param $H i32) (param $RtW i32) (param $indptr i32) (param $indices i32) (param $values i32) (param $base i32) (param $i0 i32) (param $i1 i32) (param $k i32) (param $b i32)
    (local $i i32) (local $p i32) (local $p1 i32) (local $row i32) (local $rowBytes i32) (local $v f64) (local $j i32)
    (local $src i32) (local $dst i32) (local $d i32) (local $g i32) (local $vv v128) (local $pairBytes i32) (local $odd i32)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 3)))
    ;; Bytes of the factors taken two at a time, and whether one is left over (k odd).
    (local.set $pairBytes (i32.shl (i32.and (local.get $k) (i32.const -2)) (i32.const 3)))
    (local.set $odd (i32.and (local.get $k) (i32.const 1)))
    (local.set $i (local.get $i0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $row (i32.add (local.get $W) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $p (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $p1 (i32.load (i32.add (local.get $indptr) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (memory.fill (local.get $b) (i32.const 0) (local.get $rowBytes))
        (block $acc_done
          (loop $acc
            (br_if $acc_done (i32.ge_u (local.get $p) (local.get $p1)))
            (local.set $j (i32.load (i32.add (local.get $indices) (i32.shl (i32.sub (local.get $p) (local.get $base)) (i32.const 2)))))
            (local.set $v (f64.load (i32.add (local.get $values) (i32.shl (i32.sub (local.get $p) (local.get $base)) (i32.const 3)))))
            ;; b += v · H_j, written out here: a call per nonzero cost a fifth of the pass.
            (local.set $src (i32.add (local.get $H) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $vv (f64x2.splat (local.get $v)))
            (local.set $g (i32.const 0))
            (block $pairs_done
              (loop $pairs
                (br_if $pairs_done (i32.ge_u (local.get $g) (local.get $pairBytes)))
                (local.set $d (i32.add (local.get $b) (local.get $g)))
                (v128.store (local.get $d)
                  (f64x2.add (v128.load (local.get $d)) (f64x2.mul (local.get $vv) (v128.load (i32.add (local.get $src) (local.get $g))))))
                (local.set $g (i32.add (local.get $g) (i32.const 16)))
                (br $pairs)))
            (if (local.get $odd)
              (then
                (local.set $d (i32.add (local.get $b) (local.get $pairBytes)))
                (f64.store (local.get $d)
                  (f64.add (f64.load (local.get $d)) (f64.mul (local.get $v) (f64.load (i32.add (local.get $src) (local.get $pairBytes))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $acc)))
        (call $sweep (local.get $A) (local.get $row) (local.get $b) (local.get $k))
        (local.set $p (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $i) (i32.const 2)))))
        (block $scatter_done
          (loop $scatter
            (br_if $scatter_done (i32.ge_u (local.get $p) (local.get $p1)))
            (local.set $j (i32.load (i32.add (local.get $indices) (i32.shl (i32.sub (local.get $p) (local.get $base)) (i32.const 2)))))
            (local.set $v (f64.load (i32.add (local.get $values) (i32.shl (i32.sub (local.get $p) (local.get $base)) (i32.const 3)))))
            ;; RtW_j += v · W_i
            (local.set $dst (i32.add (local.get $RtW) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $vv (f64x2.splat (local.get $v)))
            (local.set $g (i32.const 0))
            (block $spairs_done
              (loop $spairs
                (br_if $spairs_done (i32.ge_u (local.get $g) (local.get $pairBytes)))
                (local.set $d (i32.add (local.get $dst) (local.get $g)))
                (v128.store (local.get $d)
                  (f64x2.add (v128.load (local.get $d)) (f64x2.mul (local.get $vv) (v128.load (i32.add (local.get $row) (local.get $g))))))
                (local.set $g (i32.add (local.get $g) (i32.const 16)))
                (br $spairs)))
            (if (local.get $odd)
              (then
                (local.set $d (i32.add (local.get $dst) (local.get $pairBytes)))
                (f64.store (local.get $d)
                  (f64.add (f64.load (local.get $d)) (f64.mul (local.get $v) (f64.load (i32.add (local.get $row) (local.get $pairBytes))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $scatter)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; The H pass: each of the rows j0..j1 of H swept against A (= WᵀW + λI), its right-hand side its row of RtW.
  (func (export "hPass") (param $A i32) (param $H i32) (param $RtW i32) (param $j0 i32) (param $j1 i32) (param $k i32)
    (local $j i32) (local $off i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 3)))
    (local.set $j (local.get $j0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $off (i32.mul (local.get $j) (local.get $rowBytes)))
        (call $sweep (local.get $A) (i32.add (local.get $H) (local.get $off)) (i32.add (local.get $RtW) (local.get $off)) (local.get $k))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each))))

  ;; out (k × k, row-major, zeroed by the caller) gets the upper triangle (g ≥ f) of FᵀF over rows
  ;; r0..r1 of F: out_fg += F_rf · F_rg, the inner loop over g two at a time from f (the rows are
  ;; 16-byte aligned only when f is even, which v128.load does not need).
  (func (export "gramUpper") (param $F i32) (param $r0 i32) (param $r1 i32) (param $k i32) (param $out i32)
    (local $r i32) (local $row i32) (local $f i32) (local $g i32) (local $rowBytes i32) (local $v f64) (local $vv v128) (local $d i32) (local $dst i32)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 3)))
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $row (i32.add (local.get $F) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $f (i32.const 0))
        (block $f_done
          (loop $each_f
            (br_if $f_done (i32.ge_u (local.get $f) (local.get $k)))
            (local.set $v (f64.load (i32.add (local.get $row) (i32.shl (local.get $f) (i32.const 3)))))
            (if (f64.ne (local.get $v) (f64.const 0))
              (then
                (local.set $vv (f64x2.splat (local.get $v)))
                (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $f) (local.get $rowBytes))))
                (local.set $g (local.get $f))
                (block $pairs_done
                  (loop $pairs
                    (br_if $pairs_done (i32.ge_u (i32.add (local.get $g) (i32.const 1)) (local.get $k)))
                    (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $g) (i32.const 3))))
                    (v128.store (local.get $d)
                      (f64x2.add (v128.load (local.get $d))
                        (f64x2.mul (local.get $vv) (v128.load (i32.add (local.get $row) (i32.shl (local.get $g) (i32.const 3)))))))
                    (local.set $g (i32.add (local.get $g) (i32.const 2)))
                    (br $pairs)))
                (if (i32.lt_u (local.get $g) (local.get $k))
                  (then
                    (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $g) (i32.const 3))))
                    (f64.store (local.get $d)
                      (f64.add (f64.load (local.get $d)) (f64.mul (local.get $v) (f64.load (i32.add (local.get $row) (i32.shl (local.get $g) (i32.const 3)))))))))))
            (local.set $f (i32.add (local.get $f) (i32.const 1)))
            (br $each_f)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
