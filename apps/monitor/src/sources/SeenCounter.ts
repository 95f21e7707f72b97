import type { Sample } from './types.js';

/**
 * Dedupes the samples of a file that is rewritten as a whole: each read yields every value in
 * file order; per series, only those past the count already emitted are new. A rewrite that adds
 * a column (Lightning) or appends entries (Hugging Face) keeps earlier values in order, so
 * nothing is counted twice; a read caught mid-rewrite yields fewer, so nothing new is emitted
 * until the rest is there.
 */
export class SeenCounter {
  private readonly seen = new Map<string, number>();

  fresh(all: readonly Sample[]): Sample[] {
    const ordinal = new Map<string, number>();
    const out: Sample[] = [];
    for (const s of all) {
      const k = (ordinal.get(s.series) ?? 0) + 1;
      ordinal.set(s.series, k);
      if (k > (this.seen.get(s.series) ?? 0)) {
        this.seen.set(s.series, k);
        out.push(s);
      }
    }
    return out;
  }
}
