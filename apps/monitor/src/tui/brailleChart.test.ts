import { describe, expect, it } from 'vitest';
import { brailleChart } from './brailleChart.js';

const dots = (text: string) => [...text].map((c) => c.charCodeAt(0) - 0x2800);

describe('brailleChart', () => {
  it('draws a rising line from the bottom-left dot to the top-right dot', () => {
    // 2 cells × 1 row = 4 × 4 dots; y = 0..3 over x = 0..3 lands one dot per column.
    const { rows, yMin, yMax } = brailleChart([0, 1, 2, 3], [0, 1, 2, 3], { width: 2, height: 1 });
    expect([yMin, yMax]).toEqual([0, 3]);
    // Column 0 bottom (0x40) and column 1 (row 2, 0x20) joined halfway (row 3 → 2, rounded to 3/2);
    // cell 2: column 2 row 1 (0x02), column 3 row 0 (0x08).
    const [a, b] = dots(rows[0].text);
    expect(a & 0x40).toBe(0x40); // (row 3, col 0): y = 0
    expect(a & 0x20).toBe(0x20); // (row 2, col 1): y = 1
    expect(b & 0x02).toBe(0x02); // (row 1, col 2): y = 2
    expect(b & 0x08).toBe(0x08); // (row 0, col 3): y = 3
    expect(a & 0x01).toBe(0); // nothing at the top-left
    expect(b & 0x40).toBe(0); // nothing at the bottom-right
  });

  it('keeps a single-point spike among 100k points visible', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map(() => 1);
    y[54_321] = 10;
    const { rows, yMax } = brailleChart(x, y, { width: 40, height: 3 });
    expect(yMax).toBe(10);
    // The top row has dots only where the spike is.
    const top = dots(rows[0].text);
    expect(top.filter((d) => d !== 0).length).toBeGreaterThan(0);
    expect(top.findIndex((d) => d !== 0)).toBe(Math.floor((54_321 / (n - 1)) * 80) >> 1);
  });

  it('marks the cells the overlay passes through and skips non-finite values', () => {
    const x = [0, 1, 2, 3];
    const { rows } = brailleChart(x, [0, Number.NaN, 0, 0], {
      width: 2,
      height: 2,
      overlay: [1, 1, 1, 1],
      yMin: 0,
      yMax: 1,
    });
    expect(rows[0].overlay).toEqual([true, true]);
    expect(rows[1].overlay).toEqual([false, false]);
    expect(rows[1].text).not.toBe('\u2800\u2800');
  });

  it('returns blank rows when there is nothing to draw', () => {
    const { rows } = brailleChart([], [], { width: 3, height: 2 });
    expect(rows.map((r) => r.text)).toEqual(['\u2800\u2800\u2800', '\u2800\u2800\u2800']);
  });
});
