// The loader every WebAssembly SIMD kernel of core shares (lseRows, sfSimd, bwSigmoid, smSimd,
// blSimd, mbSums, hgClamp, hfSums): the module's bytes ship as base64 (compiled from its .wat by
// wabt, see CONTRIBUTING), are compiled on first use and instantiated with a fresh memory imported
// as `env.memory`. Where WebAssembly is missing, or lacks SIMD (the module then does not
// validate), the loader gives null and the caller runs its JavaScript loop.

/** Bytes per WebAssembly memory page. */
export const WASM_PAGE = 65536;

/** A WebAssembly.Memory, as far as the kernels use it (core's TypeScript lib has no wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
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

/**
 * Compiles `base64` (a module importing `env.memory`) and instantiates it with a memory of at
 * least `bytes` bytes (one page at least); null where WebAssembly or its SIMD is missing.
 * `globalThis.WebAssembly` is read at the call, so a runtime without it is seen as such.
 */
export function instantiateSimd(base64: string, bytes: number): SimdInstance | null {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const code = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    const module = new wasm.Module(code); // throws without SIMD: the module does not validate
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE)) });
    return { exports: new wasm.Instance(module, { env: { memory } }).exports, memory };
  } catch {
    return null;
  }
}

/**
 * T[i] = 2^(i/n) for i < n, from the exponentiation operator (< 1 ulp; i = 0 exact): the table
 * of the kernels' exp (2^(k/256) for lseSimd, sfSimd and bwSimd; see lseRows.ts for the bound).
 */
export function fillExp2Table(table: Float64Array): void {
  const n = table.length;
  for (let i = 0; i < n; i++) table[i] = 2 ** (i / n);
}
