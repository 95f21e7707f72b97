import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogFormat } from '../events.js';
import { detectFormat } from '../sources/detectFormat.js';

export interface FoundLog {
  path: string;
  format: LogFormat;
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/** The log files under `paths` (files as given, directories searched recursively), sorted. */
export async function findLogFiles(paths: readonly string[]): Promise<FoundLog[]> {
  const found: FoundLog[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile()) {
        const format = detectFormat(p);
        if (format) found.push({ path: p, format });
      }
    }
  };
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory()) await walk(p);
    else {
      const format = detectFormat(p, true);
      if (format) found.push({ path: p, format });
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
