// Open file descriptors of this process that point at a path (Linux /proc).
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function fdsTo(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(path)) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** Waits (a bounded number of short sleeps) until nothing holds `path` open; returns the count left. */
export async function settledFdsTo(path: string, tries = 200): Promise<number> {
  for (let i = 0; i < tries; i++) {
    const n = fdsTo(path);
    if (n === 0) return 0;
    await sleep(5);
  }
  return fdsTo(path);
}
