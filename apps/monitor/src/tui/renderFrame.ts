import type { Series } from '../store/Series.js';
import type { SeriesStore } from '../store/SeriesStore.js';
import { brailleChart } from './brailleChart.js';
import { formatValue } from './formatValue.js';
import { terminalSafe } from './terminalSafe.js';

/** What the terminal view shows: its own state, not the data's. */
export interface FrameState {
  smoothing: number;
  /** 0-based page; clamped to the pages there are. */
  page: number;
  /** The sources finished (the event stream completed). */
  ended?: boolean;
  /** Use colours (SGR escapes). */
  color?: boolean;
}

export interface Frame {
  lines: string[];
  page: number;
  pageCount: number;
}

type Style = 'bold' | 'dim' | 'red' | 'cyan' | 'reverse' | '';
type Segment = [text: string, style: Style];

const SGR: Record<Exclude<Style, ''>, string> = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[1;31m',
  cyan: '\x1b[36m',
  reverse: '\x1b[7m',
};
const LABEL_WIDTH = 9;

/**
 * Renders one screen of the terminal view: a header, then for each run and series on the page
 * its name, last value, running mean, smoothed value (debiased EMA), min, max, last step and
 * rate, a braille chart of its whole history (raw envelope dim, smoothed line in colour) and its
 * alerts (NaN/Inf, divergence), then a footer with the keys and the latest problem. Pure: the
 * same store and state give the same lines, each at most `columns` wide.
 */
export function renderFrame(
  store: SeriesStore,
  state: FrameState,
  size: { columns: number; rows: number },
): Frame {
  const columns = Math.max(20, size.columns);
  const rows = Math.max(8, size.rows);
  const color = state.color ?? true;
  const all = store.series();
  const chartHeight = rows >= 40 ? 5 : 3;
  const chartWidth = Math.max(10, columns - LABEL_WIDTH - 1);

  // Lay out pages from the blocks' heights alone; only the shown page's charts are drawn.
  const bodyRows = rows - 3;
  const pages: Series[][] = [[]];
  let used = 0;
  for (const s of all) {
    const h = blockHeight(s, chartHeight);
    if (used > 0 && used + h > bodyRows) {
      pages.push([]);
      used = 0;
    }
    pages[pages.length - 1].push(s);
    used += h;
  }
  const pageCount = pages.length;
  const page = Math.min(Math.max(0, state.page), pageCount - 1);

  const runs = store.sources().length;
  const names = new Set(all.map((s) => s.name)).size;
  const header: Segment[] = [
    [' losskit-monitor ', 'reverse'],
    [
      ` ${runs} run${runs === 1 ? '' : 's'} · ${names} series · smoothing ${state.smoothing.toFixed(3)} · page ${page + 1}/${pageCount}${state.ended ? ' · sources ended' : ''}`,
      'bold',
    ],
  ];
  const out: Segment[][] = [header, [['', '']]];
  if (all.length === 0) out.push([['  waiting for data…', 'dim']]);
  for (const s of pages[page]) {
    out.push(...seriesBlock(s, state.smoothing, chartWidth, chartHeight));
  }
  while (out.length < rows - 1) out.push([['', '']]);
  const problems = store.problems();
  const footer: Segment[] = [[' [ ] smoothing   ←/→ n/p page   q quit', 'dim']];
  if (store.problemCount > 0) {
    const p = problems[problems.length - 1];
    footer.push([
      `   problems: ${store.problemCount} · last: ${terminalSafe(`${p.path}${p.where ? ` ${p.where}` : ''}: ${p.message}`)}`,
      'red',
    ]);
  }
  out.length = rows - 1;
  out.push(footer);
  return { lines: out.map((segs) => renderLine(segs, columns, color)), page, pageCount };
}

/** Lines {@link seriesBlock} returns: name, stats, chart, alerts when any, a blank line. */
function blockHeight(s: Series, chartHeight: number): number {
  return 3 + chartHeight + (s.nonFinite > 0 || s.diverging ? 1 : 0);
}

function seriesBlock(s: Series, smoothing: number, width: number, height: number): Segment[][] {
  const lines: Segment[][] = [];
  lines.push([
    [` ${terminalSafe(s.name)}`, 'bold'],
    [`  ${terminalSafe(s.path)} (${s.format})`, 'dim'],
  ]);
  const smoothed = smoothing > 0 ? s.smoothed(smoothing) : null;
  const smoothLast = smoothed ? lastFinite(smoothed) : s.last;
  const rate = s.rate();
  const stats: [string, string][] = [
    ['last', formatValue(s.last)],
    ['mean', formatValue(s.mean)],
    ['smooth', formatValue(smoothLast)],
    ['min', formatValue(s.min)],
    ['max', formatValue(s.max)],
    ['step', formatValue(s.lastStep)],
  ];
  const statLine: Segment[] = [['  ', '']];
  for (const [k, v] of stats) statLine.push([`${k} `, 'dim'], [`${v}  `, 'bold']);
  statLine.push([rate ? `${formatValue(rate.perSecond)} ${rate.unit}/s` : '– steps/s', 'dim']);
  lines.push(statLine);
  const chart = brailleChart(s.steps, s.values, { width, height, overlay: smoothed ?? undefined });
  chart.rows.forEach((row, r) => {
    const label =
      r === 0 ? formatValue(chart.yMax) : r === height - 1 ? formatValue(chart.yMin) : '';
    const segs: Segment[] = [[`${label.padStart(LABEL_WIDTH - 1)} `, 'dim']];
    // Group runs of cells by whether the smoothed line passes through them.
    let run = '';
    let runOver = row.overlay[0] ?? false;
    const flush = () => {
      if (run) segs.push([run, runOver && smoothed ? 'cyan' : smoothed ? 'dim' : 'cyan']);
      run = '';
    };
    [...row.text].forEach((ch, c) => {
      if (row.overlay[c] !== runOver) {
        flush();
        runOver = row.overlay[c];
      }
      run += ch;
    });
    flush();
    lines.push(segs);
  });
  const alerts: string[] = [];
  if (s.nonFinite > 0) {
    alerts.push(
      `! ${s.nonFinite} NaN/Inf value${s.nonFinite === 1 ? '' : 's'}, first at step ${formatValue(s.firstNonFiniteStep ?? Number.NaN)}`,
    );
  }
  if (s.diverging) alerts.push('! diverging: the smoothed loss rose far above its best');
  if (alerts.length > 0) lines.push([[`  ${alerts.join('   ')}`, 'red']]);
  lines.push([['', '']]);
  return lines;
}

function lastFinite(a: Float64Array): number {
  for (let i = a.length - 1; i >= 0; i--) if (Number.isFinite(a[i])) return a[i];
  return Number.NaN;
}

function renderLine(segs: Segment[], columns: number, color: boolean): string {
  let left = columns;
  let out = '';
  for (const [text, style] of segs) {
    if (left <= 0) break;
    const chars = [...text];
    const piece = chars.length > left ? chars.slice(0, left).join('') : text;
    left -= Math.min(chars.length, left);
    out += color && style && piece ? `${SGR[style]}${piece}\x1b[0m` : piece;
  }
  return out;
}
