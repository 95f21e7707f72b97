// The loader every WebAssembly SIMD kernel of core shares (lseRows, sfSimd, bwSigmoid, smSimd,
// blSimd, mbSums, hgClamp, hfSums, exSimd): the module's bytes ship as base64 (compiled from its
// .wat by wabt, see CONTRIBUTING), are compiled on first use and instantiated with a fresh memory
// imported as `env.memory`. Where WebAssembly is missing, or lacks SIMD (the module then does not
// validate), the loader gives null and the caller runs its JavaScript loop.

/** Bytes per WebAssembly memory page. */
export const WASM_PAGE = 65536;

/**
 * A WebAssembly.Memory, as far as the kernels use it (core's TypeScript lib has no wasm types).
 * No `grow`: growing a memory detaches its old ArrayBuffer, and after any detach V8 checks every
 * typed-array access in the process (the JavaScript loops of every kernel then run up to ~46%
 * slower for the rest of the process); a kernel that needs more memory gets a new instance
 * (see {@link simdKernelWith}).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** The part of the WebAssembly API used here. */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** An instantiated kernel module: its exports and its memory. */
export interface SimdInstance {
  exports: Record<string, unknown>;
  memory: WasmMemory;
}

/** Compiled modules by their base64 bytes (a kernel re-instantiated for more memory reuses it). */
const compiled = new Map<string, object>();

/**
 * Compiles `base64` (a module importing `env.memory`) and instantiates it with a memory of at
 * least `bytes` bytes (one page at least); null where WebAssembly or its SIMD is missing.
 * `globalThis.WebAssembly` is read at the call, so a runtime without it is seen as such.
 */
export function instantiateSimd(base64: string, bytes: number): SimdInstance | null {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    let module = compiled.get(base64);
    if (module === undefined) {
      const code = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      module = new wasm.Module(code); // throws without SIMD: the module does not validate
      compiled.set(base64, module);
    }
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE)) });
    return { exports: new wasm.Instance(module, { env: { memory } }).exports, memory };
  } catch {
    return null;
  }
}

/**
 * A kernel built once, on first use: `build` gets the instance of `base64` with a memory of at
 * least `bytes` ({@link instantiateSimd}) and fills in its tables and constants and makes its
 * views. Later calls return the same kernel, or null for good where WebAssembly SIMD is missing
 * (or where `build` threw: that first call throws, as the per-module loaders this replaces did).
 */
export function lazySimdKernel<K>(
  base64: string,
  bytes: number,
  build: (instance: SimdInstance) => K,
): () => K | null {
  let kernel: K | null | undefined;
  return () => {
    if (kernel === undefined) {
      const instance = instantiateSimd(base64, bytes);
      kernel = null;
      if (instance !== null) kernel = build(instance);
    }
    return kernel;
  };
}

/**
 * `current` if its memory holds at least `bytes`; otherwise a kernel built by `build` on a new
 * instance of `base64` whose memory is `bytes` rounded up to a power of two pages (so a kernel is
 * rebuilt at most a few times as inputs widen), or null where WebAssembly SIMD is missing
 * (`current` null: it was missing before). Never `memory.grow()`: see {@link WasmMemory}.
 */
export function simdKernelWith<K extends { memory: WasmMemory }>(
  current: K | null | undefined,
  base64: string,
  bytes: number,
  build: (instance: SimdInstance) => K,
): K | null {
  if (current === null) return null;
  if (current !== undefined && current.memory.buffer.byteLength >= bytes) return current;
  const pages = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(bytes / WASM_PAGE))));
  const instance = instantiateSimd(base64, pages * WASM_PAGE);
  return instance === null ? null : build(instance);
}

/**
 * The chunk loop of the block-sum kernels (hinge, softMargin, the Huber and smooth-L1 forwards):
 * for each chunk [i0, i1) of at most `chunk` of the n elements, `run(i0, i1)` copies it into the
 * module's memory and runs the kernel, which writes one sum per `block` elements into `sums` and
 * returns how many of the chunk's elements it covered (whole groups). The block sums are added in
 * order with Neumaier's compensation; a block sum that is not finite is replaced by
 * `exact(e0, e1)` over that block, and the elements past the covered ones by `exact` too.
 */
export function sumChunkedBlocks(
  n: number,
  chunk: number,
  block: number,
  sums: Float64Array,
  run: (i0: number, i1: number) => number,
  exact: (i0: number, i1: number) => number,
): number {
  let s = 0;
  let c = 0;
  const add = (v: number): void => {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  };
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    const done = i0 + run(i0, i1);
    for (let e0 = i0; e0 < done; e0 += block) {
      const v = sums[(e0 - i0) / block];
      add(Number.isFinite(v) ? v : exact(e0, Math.min(done, e0 + block)));
    }
    if (done < i1) add(exact(done, i1));
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * The constants of the kernels' table exp with T = 2^(i/256) ({@link fillExp2Table}; the method
 * and its bound are in lseRows.ts and exSimd.ts), as bwSigmoid.ts and exSimd.ts fill them into
 * their modules' memories. The hex floats as integer mantissas times powers of 2, exact.
 */
export const EXP256 = {
  /** 256/ln2 = 0x1.71547652b82fep+8 */
  log2e: 0x171547652b82fe * 2 ** -44,
  /** 1.5·2⁵²: t + shifter rounds t to an integer (|t| < 2⁵¹) */
  shifter: 1.5 * 2 ** 52,
  /** fdlibm's ln2_hi/256 = 0x1.62e42feep-9 (32 significant bits: k·ln2hi is exact) */
  ln2hi: 0x162e42fee * 2 ** -41,
  /** (ln2 − ln2_hi)/256 = 0x1.a39ef35793c76p-41 */
  ln2lo: 0x1a39ef35793c76 * 2 ** -93,
  /** 1/6 = 0x1.5555555555555p-3 */
  c3: 0x15555555555555 * 2 ** -55,
  /** 1/24 = 0x1.5555555555555p-5 */
  c4: 0x15555555555555 * 2 ** -57,
} as const;

/**
 * T[i] = 2^(i/n) for i < n, from the exponentiation operator (< 1 ulp; i = 0 exact): the table
 * of the kernels' exp (2^(k/256) for lseSimd, sfSimd, bwSimd and exSimd; see lseRows.ts and
 * exSimd.ts for the bounds).
 */
export function fillExp2Table(table: Float64Array): void {
  const n = table.length;
  for (let i = 0; i < n; i++) table[i] = 2 ** (i / n);
}
