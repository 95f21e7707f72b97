import { describe, expect, it } from 'vitest';
import type { MonitorEvent } from '../events.js';
import { SeriesStore } from '../store/SeriesStore.js';
import { renderFrame } from './renderFrame.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping SGR escapes
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function storeWith(series: Record<string, number[]>, path = 'runs/a/metrics.csv'): SeriesStore {
  const store = new SeriesStore();
  for (const [name, values] of Object.entries(series)) {
    values.forEach((value, step) => {
      const ev: MonitorEvent = {
        type: 'point',
        point: { path, format: 'csv', series: name, step: step * 10, value, wallTime: 100 + step },
      };
      store.ingest(ev);
    });
  }
  return store;
}

describe('renderFrame', () => {
  it('shows last, mean, smoothed, min, max, step and rate per series, within the width', () => {
    const store = storeWith({ train_loss: [4, 2, 1, 3] });
    const frame = renderFrame(store, { smoothing: 0, page: 0 }, { columns: 100, rows: 20 });
    const text = frame.lines.map(strip);
    expect(text).toHaveLength(20);
    expect(text[0]).toContain('1 run · 1 series · smoothing 0.000 · page 1/1');
    const body = text.join('\n');
    expect(body).toContain('train_loss  runs/a/metrics.csv (csv)');
    // mean (4+2+1+3)/4 = 2.5; smoothing 0 → smooth = last; 30 steps over 3 s = 10 steps/s
    expect(body).toMatch(
      /last 3 {2}mean 2\.5 {2}smooth 3 {2}min 1 {2}max 4 {2}step 30 {2}10 steps\/s/,
    );
    for (const line of text) expect([...line].length).toBeLessThanOrEqual(100);
    expect(body).toMatch(/[\u2801-\u28ff]/);
  });

  it('uses the debiased EMA for "smooth"', () => {
    const store = storeWith({ loss: [2, 4] });
    const body = renderFrame(store, { smoothing: 0.5, page: 0 }, { columns: 100, rows: 20 })
      .lines.map(strip)
      .join('\n');
    // (0.5·(0.5·2) + 0.5·4) / (1 − 0.25) = 10/3
    expect(body).toContain('smooth 3.3333');
  });

  it('flags NaN/Inf and divergence, and neutralises escape sequences in names', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i < 30 ? 2 / (i + 1) : 5 + i));
    values[12] = Number.NaN;
    const store = storeWith({ 'evil\x1b]0;pwned\x07loss': values });
    const lines = renderFrame(store, { smoothing: 0.6, page: 0 }, { columns: 120, rows: 30 }).lines;
    const body = lines.map(strip).join('\n');
    expect(body).toContain('! 1 NaN/Inf value, first at step 120');
    expect(body).toContain('! diverging');
    expect(body).toContain('evil\uFFFD]0;pwned\uFFFDloss');
    expect(lines.join('')).not.toContain('\x07');
    expect(lines.join('')).not.toContain('\x1b]');
  });

  it('pages through series that do not fit', () => {
    const store = storeWith(
      Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`s${i}`, [1, 2, 3]])),
    );
    const size = { columns: 80, rows: 24 };
    const first = renderFrame(store, { smoothing: 0, page: 0 }, size);
    expect(first.pageCount).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (let p = 0; p < first.pageCount; p++) {
      const frame = renderFrame(store, { smoothing: 0, page: p }, size);
      expect(frame.lines).toHaveLength(24);
      for (const m of frame.lines
        .map(strip)
        .join('\n')
        .matchAll(/^ (s\d) {2}/gm))
        seen.add(m[1]);
    }
    expect([...seen].sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']);
    // Every block is as tall as the layout assumed: no page overflows into the footer.
    for (let p = 0; p < first.pageCount; p++) {
      const lines = renderFrame(store, { smoothing: 0, page: p }, size).lines.map(strip);
      expect(lines[22]).toBe('');
    }
    // Asking past the end shows the last page.
    expect(renderFrame(store, { smoothing: 0, page: 99 }, size).page).toBe(first.pageCount - 1);
  });
});
