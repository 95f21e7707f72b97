import { downsampleMinMax } from '../store/downsampleMinMax.js';

/** Bit of each dot in a braille cell (U+2800 + bits), by [row 0–3][column 0–1]. */
const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

export interface BrailleChartOptions {
  /** Cells across and down; each cell is 2 × 4 dots. */
  width: number;
  height: number;
  /** Second line drawn over the first (the smoothed values at the same x), optional. */
  overlay?: ArrayLike<number>;
  /** y range; defaults to the finite min and max of both lines. */
  yMin?: number;
  yMax?: number;
}

/** One row of the chart: braille characters, and whether the overlay passes through each cell. */
export interface BrailleRow {
  text: string;
  overlay: boolean[];
}

export interface BrailleChart {
  rows: BrailleRow[];
  yMin: number;
  yMax: number;
}

/**
 * Draws y over x (x sorted) as braille dots, 2 × 4 per character: every dot column shows the
 * whole span between the lowest and highest value falling into it, joined to its neighbours, so
 * a one-point spike stays visible however many points share the column (min/max per column, as
 * in the web view). Non-finite values are skipped. Returns empty rows when there is nothing to draw.
 */
export function brailleChart(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BrailleChartOptions,
): BrailleChart {
  const width = Math.max(1, Math.floor(options.width));
  const height = Math.max(1, Math.floor(options.height));
  const dotCols = width * 2;
  const dotRows = height * 4;
  const bits = new Uint8Array(width * height);
  const over = new Uint8Array(width * height);
  let yMin = options.yMin ?? Number.POSITIVE_INFINITY;
  let yMax = options.yMax ?? Number.NEGATIVE_INFINITY;
  if (options.yMin === undefined || options.yMax === undefined) {
    for (const arr of options.overlay ? [y, options.overlay] : [y]) {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (!Number.isFinite(v)) continue;
        if (options.yMin === undefined && v < yMin) yMin = v;
        if (options.yMax === undefined && v > yMax) yMax = v;
      }
    }
  }
  const empty = (): BrailleChart => ({
    rows: Array.from({ length: height }, () => ({
      text: '\u2800'.repeat(width),
      overlay: new Array(width).fill(false),
    })),
    yMin,
    yMax,
  });
  if (x.length === 0 || !(yMax >= yMin)) return empty();
  const xMin = x[0];
  const xMax = x[x.length - 1];
  const colOf = (xi: number) =>
    xMax > xMin ? Math.min(dotCols - 1, Math.floor(((xi - xMin) / (xMax - xMin)) * dotCols)) : 0;
  const rowOf = (v: number) =>
    yMax > yMin
      ? Math.round(((yMax - v) / (yMax - yMin)) * (dotRows - 1))
      : Math.floor(dotRows / 2);

  const plot = (values: ArrayLike<number>, target: Uint8Array) => {
    const kept = downsampleMinMax(x, values, { xMin, xMax, width: dotCols });
    const lo = new Int32Array(dotCols).fill(-1);
    const hi = new Int32Array(dotCols).fill(-1);
    let prevCol = -1;
    let prevRow = -1;
    for (const i of kept) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        prevCol = -1;
        continue;
      }
      const c = colOf(x[i]);
      const r = rowOf(v);
      const extend = (col: number, row: number) => {
        if (lo[col] < 0 || row < lo[col]) lo[col] = row;
        if (hi[col] < 0 || row > hi[col]) hi[col] = row;
      };
      extend(c, r);
      // Join to the previous point: fill the columns between with the straight line's rows.
      if (prevCol >= 0 && c > prevCol + 1) {
        for (let cc = prevCol + 1; cc < c; cc++) {
          extend(cc, Math.round(prevRow + ((r - prevRow) * (cc - prevCol)) / (c - prevCol)));
        }
      }
      if (prevCol >= 0 && c === prevCol + 1) {
        // Adjacent columns: meet halfway so steep steps stay connected.
        const mid = Math.round((prevRow + r) / 2);
        extend(prevCol, mid);
        extend(c, mid);
      }
      prevCol = c;
      prevRow = r;
    }
    for (let c = 0; c < dotCols; c++) {
      if (lo[c] < 0) continue;
      for (let r = lo[c]; r <= hi[c]; r++) {
        const cell = Math.floor(r / 4) * width + (c >> 1);
        bits[cell] |= DOT[r % 4][c & 1];
        target[cell] = 1;
      }
    }
  };
  const rawMark = new Uint8Array(width * height);
  plot(y, rawMark);
  if (options.overlay) plot(options.overlay, over);
  const rows: BrailleRow[] = [];
  for (let r = 0; r < height; r++) {
    let text = '';
    const overlay: boolean[] = [];
    for (let c = 0; c < width; c++) {
      const b = bits[r * width + c];
      // An empty cell is the blank braille pattern, not a space: some fonts give braille a
      // different advance than ASCII, and rows must line up whatever the font.
      text += String.fromCharCode(0x2800 + b);
      overlay.push(over[r * width + c] === 1);
    }
    rows.push({ text, overlay });
  }
  return { rows, yMin, yMax };
}
