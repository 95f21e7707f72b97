// The dashboard's client: one uPlot chart per series with every run overlaid, fed by the
// server's downsampled windows and its Server-Sent Events. Every name that comes from a log
// (series, tags, file paths, problem messages) is put in the page with textContent, never as HTML.
import uPlot from 'uplot';
import type { Problem } from '../src/events.js';
import type { SourceInfo } from '../src/store/SeriesStore.js';
import type { DashboardState, RunSummary, SeriesSummary } from '../src/web/seriesSummary.js';

type XAxis = 'step' | 'relative' | 'wall';

interface RunWindow {
  path: string;
  x: number[];
  y: (number | null)[];
  s: (number | null)[] | null;
  inRange: number;
}

interface DataReply {
  series: string;
  axis: XAxis;
  smoothing: number;
  runs: RunWindow[];
}

interface UpdateMessage {
  version: number;
  series: SeriesSummary[];
  sources?: SourceInfo[];
  problems: Problem[];
  problemCount: number;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
];
const CHART_HEIGHT = 260;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  smoothing: $<HTMLInputElement>('smoothing'),
  smoothingValue: $<HTMLOutputElement>('smoothing-value'),
  axis: $<HTMLSelectElement>('axis'),
  logy: $<HTMLInputElement>('logy'),
  filter: $<HTMLInputElement>('filter'),
  status: $<HTMLSpanElement>('status'),
  alerts: $<HTMLElement>('alerts'),
  runs: $<HTMLUListElement>('runs'),
  runsSummary: $<HTMLElement>('runs-summary'),
  problems: $<HTMLUListElement>('problems'),
  problemsSummary: $<HTMLElement>('problems-summary'),
  charts: $<HTMLElement>('charts'),
};

const view = {
  smoothing: Number(ui.smoothing.value),
  axis: ui.axis.value as XAxis,
  logY: ui.logy.checked,
  filter: '',
};

const summaries = new Map<string, SeriesSummary>();
let sources: SourceInfo[] = [];
const problems: Problem[] = [];
let problemCount = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}

function fmtDuration(s: number): string {
  const sign = s < 0 ? '-' : '';
  let t = Math.abs(s);
  const h = Math.floor(t / 3600);
  t -= h * 3600;
  const m = Math.floor(t / 60);
  const sec = t - m * 60;
  if (h > 0) return `${sign}${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${sign}${m}m${String(Math.round(sec)).padStart(2, '0')}s`;
  return `${sign}${Number(sec.toPrecision(3))}s`;
}

function colorOf(path: string): string {
  const i = sources.findIndex((s) => s.path === path);
  return PALETTE[Math.max(i, 0) % PALETTE.length];
}

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

class ChartCard {
  readonly name: string;
  readonly root = el('section', 'card');
  private readonly meta = el('div', 'meta');
  private readonly chartBox = el('div', 'chart');
  private plot: uPlot | null = null;
  private shape = '';
  private zoom: { from: number; to: number } | null = null;
  private visible = false;
  private loaded = false;
  private inflight = false;
  private pending = false;
  private notBefore = 0;
  private throttle: number | undefined;

  constructor(name: string) {
    this.name = name;
    this.root.dataset.series = name;
    this.root.append(el('h2', 'title', name), this.meta, this.chartBox);
    this.root.append(el('div', 'hint', 'drag to zoom · double-click to reset'));
    this.chartBox.addEventListener('dblclick', () => {
      this.zoom = null;
      this.refreshNow();
    });
  }

  /** Refetch now whatever the throttle says (a user action: smoothing, axis, zoom). */
  refreshNow() {
    this.notBefore = 0;
    this.refresh();
  }

  setVisible(v: boolean) {
    this.visible = v;
    if (v && (this.pending || !this.loaded)) this.refresh();
  }

  resetZoom() {
    this.zoom = null;
  }

  renderMeta(summary: SeriesSummary | undefined) {
    this.meta.replaceChildren();
    if (!summary) return;
    for (const run of summary.runs) {
      const line = el('div', 'run');
      const swatch = el('span', 'swatch', '■ ');
      swatch.style.color = colorOf(run.path);
      line.append(swatch, el('span', 'path', run.path));
      line.append(
        document.createTextNode(
          ` · last ${fmt(run.last)} · mean ${fmt(run.mean)} · min ${fmt(run.min)} · max ${fmt(run.max)} · step ${fmt(run.lastStep)} · ${run.count} pts`,
        ),
      );
      // a long run thinned to its envelope (the monitor's --max-points)
      if (run.kept < run.count) line.append(document.createTextNode(` (${run.kept} kept)`));
      if (run.rate)
        line.append(document.createTextNode(` · ${fmt(run.rate.perSecond)} ${run.rate.unit}/s`));
      for (const text of alertTexts(run)) line.append(' ', el('span', 'bad', text));
      this.meta.append(line);
    }
  }

  refresh() {
    if (!this.visible || this.inflight) {
      this.pending = true;
      return;
    }
    const wait = this.notBefore - performance.now();
    if (wait > 0) {
      // Live updates come faster than this chart can be fetched and drawn: catch up later.
      this.pending = true;
      this.throttle ??= window.setTimeout(() => {
        this.throttle = undefined;
        if (this.pending) this.refresh();
      }, wait);
      return;
    }
    this.pending = false;
    this.inflight = true;
    const started = performance.now();
    const width = Math.max(100, Math.floor(this.chartBox.clientWidth || 500));
    const q = new URLSearchParams({
      series: this.name,
      axis: view.axis,
      width: String(width),
      smoothing: String(view.smoothing),
    });
    if (this.zoom) {
      q.set('from', String(this.zoom.from));
      q.set('to', String(this.zoom.to));
    }
    getJson<DataReply>(`api/data?${q}`)
      .then((data) => {
        this.loaded = true;
        this.draw(data, width);
      })
      .catch((err: unknown) => console.warn(err))
      .finally(() => {
        this.inflight = false;
        // Spend at most about a fifth of the time fetching and drawing this chart.
        const took = performance.now() - started;
        this.notBefore = performance.now() + Math.min(5000, 4 * took);
        if (this.pending && this.visible) requestAnimationFrame(() => this.refresh());
      });
  }

  private draw(data: DataReply, width: number) {
    const smooth = data.smoothing > 0;
    const log = view.logY;
    const clean = (v: number | null) => (v === null ? null : log && v <= 0 ? null : v);
    const tables: uPlot.AlignedData[] = data.runs.map((r) => {
      const cols: (number | null)[][] = [r.y.map(clean)];
      if (smooth && r.s) cols.push(r.s.map(clean));
      return [r.x, ...cols] as uPlot.AlignedData;
    });
    const aligned: uPlot.AlignedData =
      tables.length === 0 ? [[]] : tables.length === 1 ? tables[0] : uPlot.join(tables);
    const shape = JSON.stringify([data.axis, log, smooth, data.runs.map((r) => r.path), width]);
    if (this.plot === null || shape !== this.shape) {
      this.plot?.destroy();
      this.shape = shape;
      this.plot = new uPlot(this.options(data, width, smooth, log), aligned, this.chartBox);
    } else {
      this.plot.setData(aligned, this.zoom === null);
    }
    if (this.zoom) this.plot.setScale('x', { min: this.zoom.from, max: this.zoom.to });
    // What was drawn, for tests and curious users: points plotted and the last x.
    const xs = aligned[0];
    this.root.dataset.points = String(xs.length);
    this.root.dataset.lastX = xs.length > 0 ? String(xs[xs.length - 1]) : '';
  }

  private options(data: DataReply, width: number, smooth: boolean, log: boolean): uPlot.Options {
    const series: uPlot.Series[] = [
      {
        label: data.axis === 'step' ? 'step' : data.axis === 'relative' ? 'time' : 'wall time',
        value: (_u, v) =>
          v == null
            ? '—'
            : data.axis === 'relative'
              ? fmtDuration(v)
              : data.axis === 'wall'
                ? new Date(v * 1000).toLocaleString()
                : String(v),
      },
    ];
    for (const r of data.runs) {
      const c = colorOf(r.path);
      series.push({
        label: smooth ? `${r.path} (raw)` : r.path,
        stroke: smooth ? withAlpha(c, 0.3) : c,
        width: 1,
        value: (_u, v) => fmt(v),
      });
      if (smooth) series.push({ label: r.path, stroke: c, width: 2, value: (_u, v) => fmt(v) });
    }
    return {
      width,
      height: CHART_HEIGHT,
      scales: {
        x: { time: data.axis === 'wall' },
        y: log ? { distr: 3 } : {},
      },
      axes: [
        data.axis === 'relative'
          ? { values: (_u, ticks) => ticks.map((t) => (t == null ? '' : fmtDuration(t))) }
          : {},
        // A log axis leaves some ticks unlabelled (null).
        { size: 60, values: (_u, ticks) => ticks.map((t) => (t == null ? '' : fmt(t))) },
      ],
      series,
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.zoom = { from, to };
            this.refreshNow();
          },
        ],
      },
    };
  }

  destroy() {
    this.plot?.destroy();
    this.plot = null;
    this.shape = '';
  }
}

function alertTexts(run: RunSummary): string[] {
  const out: string[] = [];
  if (run.nonFinite > 0)
    out.push(`⚠ ${run.nonFinite} NaN/Inf (first at step ${run.firstNonFiniteStep})`);
  if (run.diverging) out.push('⚠ diverging');
  return out;
}

const cards = new Map<string, ChartCard>();
const observer = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      const name = (e.target as HTMLElement).dataset.series;
      if (name !== undefined) cards.get(name)?.setVisible(e.isIntersecting);
    }
  },
  { rootMargin: '300px' },
);

function matches(name: string): boolean {
  return view.filter === '' || name.toLowerCase().includes(view.filter.toLowerCase());
}

/** Creates, orders and removes the cards to match the known series and the filter. */
function layoutCards() {
  const names = [...summaries.keys()].filter(matches).sort();
  for (const [name, card] of cards) {
    if (!names.includes(name)) {
      observer.unobserve(card.root);
      card.destroy();
      card.root.remove();
      cards.delete(name);
    }
  }
  let prev: HTMLElement | null = null;
  for (const name of names) {
    let card = cards.get(name);
    if (!card) {
      card = new ChartCard(name);
      cards.set(name, card);
      card.renderMeta(summaries.get(name));
      observer.observe(card.root);
    }
    const want: ChildNode | null = prev ? prev.nextSibling : ui.charts.firstChild;
    if (want !== card.root) ui.charts.insertBefore(card.root, want);
    prev = card.root;
  }
}

function renderSidePanels() {
  ui.runsSummary.textContent = `runs (${sources.length})`;
  ui.runs.replaceChildren(
    ...sources.map((s) => {
      const li = el('li', undefined, `${s.path} (${s.format})${s.removed ? ' — removed' : ''}`);
      li.style.color = colorOf(s.path);
      return li;
    }),
  );
  ui.problemsSummary.textContent = `problems (${problemCount})`;
  ui.problems.replaceChildren(
    ...problems.map((p) =>
      el('li', undefined, `${p.path}${p.where ? ` ${p.where}` : ''}: ${p.message}`),
    ),
  );
  const alerts: HTMLElement[] = [];
  for (const s of summaries.values()) {
    for (const run of s.runs) {
      for (const text of alertTexts(run))
        alerts.push(el('div', 'alert', `${text} — ${s.name} in ${run.path}`));
    }
  }
  ui.alerts.replaceChildren(...alerts);
}

function applyState(state: DashboardState) {
  summaries.clear();
  for (const s of state.series) summaries.set(s.name, s);
  sources = state.sources;
  problems.splice(0, problems.length, ...state.problems);
  problemCount = state.problemCount;
  layoutCards();
  for (const card of cards.values()) {
    card.renderMeta(summaries.get(card.name));
    card.refresh();
  }
  renderSidePanels();
}

function applyUpdate(msg: UpdateMessage) {
  for (const s of msg.series) summaries.set(s.name, s);
  if (msg.sources) sources = msg.sources;
  problems.push(...msg.problems);
  if (problems.length > 200) problems.splice(0, problems.length - 200);
  problemCount = msg.problemCount;
  layoutCards();
  for (const s of msg.series) {
    const card = cards.get(s.name);
    card?.renderMeta(s);
    card?.refresh();
  }
  renderSidePanels();
}

function refreshAll(resetShape: boolean) {
  for (const card of cards.values()) {
    if (resetShape) {
      card.resetZoom();
      card.destroy();
    }
    card.refreshNow();
  }
}

let smoothTimer: number | undefined;
ui.smoothing.addEventListener('input', () => {
  view.smoothing = Number(ui.smoothing.value);
  ui.smoothingValue.textContent = view.smoothing.toFixed(3);
  clearTimeout(smoothTimer);
  smoothTimer = window.setTimeout(() => refreshAll(false), 80);
});
ui.axis.addEventListener('change', () => {
  view.axis = ui.axis.value as XAxis;
  refreshAll(true);
});
ui.logy.addEventListener('change', () => {
  view.logY = ui.logy.checked;
  refreshAll(false);
});
ui.filter.addEventListener('input', () => {
  view.filter = ui.filter.value;
  layoutCards();
});
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => refreshAll(false), 150);
});

function connect() {
  const es = new EventSource('api/events');
  es.addEventListener('hello', (e) => {
    ui.status.textContent = 'live';
    ui.status.className = 'status live';
    applyState(JSON.parse((e as MessageEvent<string>).data) as DashboardState);
  });
  es.addEventListener('update', (e) =>
    applyUpdate(JSON.parse((e as MessageEvent<string>).data) as UpdateMessage),
  );
  es.onerror = () => {
    ui.status.textContent = 'reconnecting…';
    ui.status.className = 'status down';
  };
}

ui.smoothingValue.textContent = view.smoothing.toFixed(3);
connect();
