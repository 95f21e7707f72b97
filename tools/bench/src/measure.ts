/** Timings of one peer on one workload, in milliseconds. */
export interface Timing {
  times: number[];
  median: number;
  /** (max − min) / median: the relative spread of the repetitions. */
  spread: number;
  /** Median process CPU time (user + system) per repetition, ms, when measured. */
  cpuMedian?: number;
}

/** A call slower than this is not repeated as a warm-up: it counts as the first repetition. */
const SLOW_MS = 2000;

/**
 * Whether a peer times one more repetition: until `reps`, then on while the timed repetitions
 * add up to less than `minMs` (fast calls get more samples for their median, up to 5 × reps),
 * never past the `budgetMs` spent in all (but at least one). The losskit process
 * (losskitChild.mjs) and the PyTorch worker (torch_bench.py) follow the same rule.
 */
export function wantsMore(
  n: number,
  timedMs: number,
  spentMs: number,
  o: { reps: number; minMs: number; budgetMs: number },
): boolean {
  if (n === 0) return true;
  if (spentMs >= o.budgetMs) return false;
  return n < o.reps || (timedMs < o.minMs && n < 5 * o.reps);
}

/** Median and relative spread of repetition times. */
export function summarize(times: number[], cpu?: number[]): Timing {
  const s = [...times].sort((a, b) => a - b);
  const median = medianOf(s);
  const spread = median > 0 ? (s[s.length - 1] - s[0]) / median : 0;
  const t: Timing = { times, median, spread };
  if (cpu !== undefined && cpu.length > 0) t.cpuMedian = medianOf([...cpu].sort((a, b) => a - b));
  return t;
}

function medianOf(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Keeps results alive so the optimiser cannot drop a timed call. */
export let sink: unknown;

/**
 * Times `fn`: `warmups` untimed calls (unless one is slower than 2 s, which then counts), then
 * timed calls as {@link wantsMore} says: `reps`, more for fast calls until `minMs` is timed,
 * stopping early once `budgetMs` is spent (at least one timed call).
 */
export function measure(
  fn: () => unknown,
  reps: number,
  budgetMs: number,
  warmups = 2,
  minMs = 0,
): Timing {
  const times: number[] = [];
  const cpu: number[] = [];
  let spent = 0;
  let timed = 0;
  for (let w = 0; w < warmups; w++) {
    const t0 = performance.now();
    sink = fn();
    const dt = performance.now() - t0;
    spent += dt;
    if (dt > SLOW_MS) {
      times.push(dt);
      break;
    }
  }
  while (wantsMore(times.length, timed, spent, { reps, minMs, budgetMs })) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    sink = fn();
    const dt = performance.now() - t0;
    cpu.push(cpuMs(process.cpuUsage(c0)));
    times.push(dt);
    spent += dt;
    timed += dt;
  }
  return summarize(times, cpu);
}

/** {@link measure} for asynchronous work (streams). */
export async function measureAsync(
  fn: () => Promise<unknown>,
  reps: number,
  budgetMs: number,
  warmups = 1,
): Promise<Timing> {
  const times: number[] = [];
  let spent = 0;
  for (let w = 0; w < warmups; w++) {
    const t0 = performance.now();
    sink = await fn();
    const dt = performance.now() - t0;
    spent += dt;
    if (dt > SLOW_MS) {
      times.push(dt);
      break;
    }
  }
  while (times.length < reps && (spent < budgetMs || times.length === 0)) {
    const t0 = performance.now();
    sink = await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return summarize(times);
}
