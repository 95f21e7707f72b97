import { SeenCounter } from './SeenCounter.js';
import {
  nowSeconds,
  type ParseOutput,
  type Sample,
  type SnapshotParser,
  toSeconds,
} from './types.js';

const decoder = new TextDecoder('utf-8');

/** Splits CSV text into rows of fields (RFC 4180 quoting); returns only newline-terminated rows. */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows; // an unterminated last row is held back
}

/** Python's float spellings as `str(float)` and `csv` write them. */
export function parseCsvNumber(cell: string): number | null {
  const t = cell.trim();
  if (t === '') return null;
  const lower = t.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  // tensor(0.5) as some loggers stringify tensors
  const m = /^tensor\((.*)\)$/.exec(t);
  const n = Number(m ? m[1] : t);
  return Number.isNaN(n) ? null : n;
}

/**
 * PyTorch Lightning's `metrics.csv`: sparse rows (a row logs only some metrics); when a new
 * metric appears Lightning rewrites the whole file with a wider header. Each read parses the
 * whole file; {@link SeenCounter} keeps only values not emitted before.
 */
export class LightningCsvParser implements SnapshotParser {
  private readonly counter = new SeenCounter();

  read(bytes: Uint8Array): ParseOutput {
    const out: ParseOutput = { samples: [], problems: [] };
    const rows = splitCsv(decoder.decode(bytes));
    if (rows.length === 0) return out;
    const header = rows[0].map((h) => h.trim());
    const stepCol = header.findIndex((h) => h === 'step' || h === 'global_step');
    const timeCol = header.findIndex((h) => h === 'wall_time' || h === 'time' || h === 'timestamp');
    const all: Sample[] = [];
    const now = nowSeconds();
    for (let r = 1; r < rows.length; r++) {
      const row = rows[r];
      if (row.length === 1 && row[0].trim() === '') continue;
      if (row.length > header.length) {
        out.problems.push({
          where: `line ${r + 1}`,
          message: `${row.length} fields under a header of ${header.length}; row skipped`,
        });
        continue;
      }
      const stepValue = stepCol >= 0 ? parseCsvNumber(row[stepCol] ?? '') : null;
      const step = stepValue !== null && Number.isFinite(stepValue) ? stepValue : r - 1;
      const t = timeCol >= 0 ? parseCsvNumber(row[timeCol] ?? '') : null;
      const wallTime = t !== null && Number.isFinite(t) ? toSeconds(t) : now;
      for (let c = 0; c < header.length; c++) {
        if (c === stepCol || c === timeCol || header[c] === '') continue;
        const v = parseCsvNumber(row[c] ?? '');
        if (v !== null) all.push({ series: header[c], step, value: v, wallTime });
      }
    }
    out.samples = this.counter.fresh(all);
    return out;
  }
}
