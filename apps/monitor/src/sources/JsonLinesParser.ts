import { parseLenientJson } from './parseLenientJson.js';
import { recordSamples } from './recordSamples.js';
import type { AppendParser, ParseOutput } from './types.js';

/** Lines longer than this are reported and skipped without being held in memory. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const decoder = new TextDecoder('utf-8');

/**
 * JSON lines (`*.jsonl`, `*.ndjson`), incrementally: a partial last line is held back; a bad line
 * is reported with its line number and skipped; bare NaN / Infinity are accepted.
 */
export class JsonLinesParser implements AppendParser {
  /** Chunks of the unfinished last line (kept as a list: a 50 MB line arrives in many pieces). */
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** True while skipping the rest of an over-long line. */
  private skipping = false;
  private base = 0;
  /** 1-based number of the next line. */
  private line = 1;
  /** Index of the next valid record (the x axis where a record has no step). */
  private index = 0;

  get consumed(): number {
    return this.base;
  }

  get pending(): number {
    return this.partBytes;
  }

  dropPending(): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }

  push(bytes: Uint8Array): ParseOutput {
    const out: ParseOutput = { samples: [], problems: [] };
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(10, start);
      if (nl < 0) break;
      const piece = bytes.subarray(start, nl);
      const lineBytes = this.partBytes + piece.length + 1;
      if (this.skipping) {
        this.skipping = false;
      } else {
        const whole = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
        this.parseLine(whole, out);
      }
      this.parts = [];
      this.partBytes = 0;
      this.base += lineBytes;
      this.line++;
      start = nl + 1;
    }
    if (start < bytes.length) {
      const rest = bytes.subarray(start);
      if (this.skipping) {
        this.partBytes += rest.length;
      } else if (this.partBytes + rest.length > MAX_LINE_BYTES) {
        out.problems.push({
          where: `line ${this.line}`,
          message: `line longer than ${MAX_LINE_BYTES} bytes; skipped`,
        });
        this.skipping = true;
        this.parts = [];
        this.partBytes += rest.length;
      } else {
        // Copy: the caller may reuse its read buffer.
        this.parts.push(Uint8Array.from(rest));
        this.partBytes += rest.length;
      }
    }
    return out;
  }

  private parseLine(bytes: Uint8Array, out: ParseOutput): void {
    let text = decoder.decode(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    let record: unknown;
    try {
      record = parseLenientJson(text);
    } catch (e) {
      out.problems.push({
        where: `line ${this.line}`,
        message: `not JSON (${(e as Error).message.slice(0, 80)}); line skipped`,
      });
      return;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      out.problems.push({ where: `line ${this.line}`, message: 'not a JSON object; line skipped' });
      return;
    }
    recordSamples(record as Record<string, unknown>, this.index++, out.samples);
  }
}
