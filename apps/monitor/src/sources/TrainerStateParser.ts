import { parseLenientJson } from './parseLenientJson.js';
import { recordSamples } from './recordSamples.js';
import { SeenCounter } from './SeenCounter.js';
import type { ParseOutput, Sample, SnapshotParser } from './types.js';

const decoder = new TextDecoder('utf-8');

/**
 * Hugging Face `trainer_state.json`: `log_history` is a list of logged dicts, and the whole file
 * is rewritten at every checkpoint. A read that catches the file half-written is reported (once
 * until a read succeeds again) and retried at the next change.
 */
export class TrainerStateParser implements SnapshotParser {
  private readonly counter = new SeenCounter();
  private broken = false;

  read(bytes: Uint8Array): ParseOutput {
    const out: ParseOutput = { samples: [], problems: [] };
    let state: unknown;
    try {
      state = parseLenientJson(decoder.decode(bytes));
    } catch (e) {
      if (!this.broken) {
        out.problems.push({
          where: `byte ${bytes.length}`,
          message: `not complete JSON (${(e as Error).message.slice(0, 80)}); waiting for the next write`,
        });
        this.broken = true;
      }
      return out;
    }
    this.broken = false;
    const history = (state as { log_history?: unknown } | null)?.log_history;
    if (!Array.isArray(history)) {
      out.problems.push({ message: 'no log_history list; nothing read' });
      return out;
    }
    const all: Sample[] = [];
    history.forEach((entry, i) => {
      if (entry !== null && typeof entry === 'object' && !Array.isArray(entry))
        recordSamples(entry as Record<string, unknown>, i, all);
    });
    out.samples = this.counter.fresh(all);
    return out;
  }
}
