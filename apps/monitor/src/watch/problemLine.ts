import type { Problem } from '../events.js';

/** A problem as one human-readable line for stderr. */
export function problemLine(p: Problem): string {
  return `losskit-monitor: ${p.path || '(watch)'}${p.where ? ` (${p.where})` : ''}: ${p.message}`;
}
