import { type BenchReport, PEERS, type Result } from './runBench.js';

const ratio = (r: Result, peer: (typeof PEERS)[number]): string => {
  const t = r.peers[peer];
  if (t === undefined) return r.peer_errors?.[peer] !== undefined ? 'failed' : '–';
  return `${(t / r.losskit_ms).toFixed(2)}× (${ms(t)})`;
};

/** A time in ms with three significant digits or so (the tables' and the targets' format). */
export const ms = (t: number): string =>
  t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2);

function note(r: Result): string {
  const parts: string[] = [];
  if (r.baseline_ms !== undefined)
    parts.push(
      `${r.baseline}: ${ms(r.baseline_ms)} ms, overhead ${(100 * (r.losskit_ms / r.baseline_ms - 1)).toFixed(1)}%`,
    );
  if (r.rows_per_s !== undefined) parts.push(`${(r.rows_per_s / 1e6).toFixed(2)} M rows/s`);
  if (r.native_ms !== undefined)
    parts.push(
      `native SIMD loop ${ms(r.native_ms)} ms (n=${r.native_reps}), losskit ${(r.losskit_ms / r.native_ms).toFixed(2)}× its time`,
    );
  if (r.losskit_fresh_ms !== undefined) {
    const torch = r.peers['pytorch-1t'];
    const vs =
      torch === undefined ? '' : `, pytorch-1t ${(torch / r.losskit_fresh_ms).toFixed(2)}×`;
    parts.push(
      `without out (a fresh result per call): ${ms(r.losskit_fresh_ms)} ms (n=${r.losskit_fresh_reps})${vs}`,
    );
  }
  if (r.memory !== undefined) {
    const m = r.memory;
    parts.push(
      `RSS ${m.rss_start_mb.toFixed(0)} → peak ${m.rss_peak_mb.toFixed(0)} → end ${m.rss_end_mb.toFixed(0)} MB, heap max ${m.heap_max_mb.toFixed(0)} MB (${m.samples} samples); max per tenth of the run: RSS ${m.rss_by_tenth_mb.join(' ')} MB, heap ${m.heap_by_tenth_mb.join(' ')} MB`,
    );
  }
  const c = r.check;
  if (c?.pytorch !== undefined) {
    const rel = Math.abs(c.losskit - c.pytorch) / Math.max(Math.abs(c.pytorch), 1e-30);
    if (!(rel < 1e-3)) parts.push(`value differs from PyTorch: ${c.losskit} vs ${c.pytorch}`);
  }
  return parts.join('; ');
}

/** The results as a Markdown table: ratios are peer time / losskit time (> 1: losskit faster). */
export function formatTable(report: BenchReport): string {
  const head = [
    'workload',
    'losskit ms (spread)',
    'GB/s read',
    ...PEERS.map((p) => `${p} ×`),
    'note',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of report.results) {
    lines.push(
      `| ${[
        r.workload,
        `${ms(r.losskit_ms)} (±${(50 * r.losskit_spread).toFixed(0)}%, n=${r.losskit_reps})`,
        r.gb_per_s === undefined ? '' : r.gb_per_s.toFixed(2),
        ...PEERS.map((p) => ratio(r, p)),
        note(r),
      ].join(' | ')} |`,
    );
  }
  for (const u of report.unavailable) {
    lines.push(`| ${u.workload} | unavailable | | | | | | ${u.reason.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/**
 * CPU-time ratios (peer CPU ms / losskit CPU ms) for the single-threaded peers: process CPU time
 * hardly changes when other work shares the machine, so this table is the steadier of the two on
 * a busy host.
 */
export function formatCpuTable(report: BenchReport): string {
  const peers = ['pytorch-1t', 'tfjs-cpu', 'tfjs-wasm'] as const;
  const head = ['workload', 'losskit CPU ms', ...peers.map((p) => `${p} CPU ×`)];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of report.results) {
    const own = r.cpu_ms?.losskit;
    if (own === undefined || !(own > 0)) continue;
    const cells = peers.map((p) => {
      const t = r.cpu_ms?.[p];
      return t === undefined ? '–' : `${(t / own).toFixed(2)}× (${ms(t)})`;
    });
    lines.push(`| ${[r.workload, ms(own), ...cells].join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The gradient rows timed without `out` (each call allocates its float64 results, as PyTorch
 * allocates its float32 ones on every call) against single-threaded PyTorch, wall time: how many
 * reach 1.0×, then every one that does not. Not a target of issue 6 (its gradient rows pass
 * `out`, as a training loop would); empty when no such row has a PyTorch time.
 */
export function formatFreshResults(report: BenchReport): string {
  const rows = report.results.flatMap((r) => {
    const torch = r.peers['pytorch-1t'];
    const fresh = r.losskit_fresh_ms;
    return torch === undefined || fresh === undefined ? [] : [{ r, torch, fresh }];
  });
  if (rows.length === 0) return '';
  const below = rows.filter((q) => q.torch < q.fresh);
  const lines = [`- ≥ 1.0× PyTorch-1t (wall): ${rows.length - below.length} of ${rows.length}`];
  for (const { r, torch, fresh } of below) {
    lines.push(
      `  - below: ${r.workload}: ${(torch / fresh).toFixed(2)}× (${ms(torch)} vs ${ms(fresh)} ms; ${ms(r.losskit_ms)} ms with out)`,
    );
  }
  return lines.join('\n');
}
