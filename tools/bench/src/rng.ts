/** A small seeded generator (mulberry32), so every run and every peer sees the same data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Float32 values uniform in [lo, hi). */
  uniform(n: number, lo: number, hi: number): Float32Array {
    const a = new Float32Array(n);
    const w = hi - lo;
    for (let i = 0; i < n; i++) a[i] = lo + w * this.next();
    return a;
  }

  /** Float32 values, approximately standard normal (sum of four uniforms, rescaled). */
  normal(n: number, scale = 1): Float32Array {
    const a = new Float32Array(n);
    const k = scale * Math.sqrt(3);
    for (let i = 0; i < n; i++) {
      a[i] = k * (this.next() + this.next() + this.next() + this.next() - 2);
    }
    return a;
  }

  /** Int32 class indices in [0, classes). */
  labels(n: number, classes: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(this.next() * classes);
    return a;
  }

  /** Float32 values drawn from {a, b} with equal probability. */
  binary(n: number, a: number, b: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() < 0.5 ? a : b;
    return out;
  }
}
