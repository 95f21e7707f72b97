import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import type { LogFormat, MonitorEvent } from '../events.js';
import type { BatchSampler } from '../sources/ArrowIpcParser.js';
import { type AnyParser, makeParser } from '../sources/makeParser.js';
import type { AppendParser, ParseOutput } from '../sources/types.js';

const CHUNK = 8 * 1024 * 1024;

/** A file we still hold open after it was renamed away: drained until it is deleted. */
interface Handle {
  fd: FileHandle;
  dev: number;
  ino: number;
  parser: AppendParser;
  /** Bytes read from the file and given to the parser. */
  offset: number;
  /** The file's first bytes as read (up to HEAD): if they change, the file was rewritten. */
  head: Uint8Array;
}

const HEAD = 64;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/**
 * Follows one log path through appends, rewrites, truncation, rotation, deletion and permission
 * faults. Append formats (tfevents, JSON lines, Arrow) are read through an open descriptor from
 * the last offset; rewritten formats (CSV, trainer_state.json) are re-read whole and deduped.
 * `poll()` may be called at any time (file events, a timer); calls never overlap.
 */
export class FileFollower {
  private current: Handle | null = null;
  /** Renamed-away files still open (their inode pinned), read until deleted. */
  private retired: Handle[] = [];
  private snapshot: AnyParser | null = null;
  private snapshotKey = '';
  private announced = false;
  private readonly reported = new Set<string>();
  private denied = false;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    readonly path: string,
    readonly format: LogFormat,
    private readonly emit: (e: MonitorEvent) => void,
    private readonly arrowSampler?: () => BatchSampler,
  ) {}

  /** dev:ino of every file this follower holds open (so a renamed copy is not read twice). */
  inodes(): string[] {
    const all = this.current ? [this.current, ...this.retired] : this.retired;
    return all.map((h) => `${h.dev}:${h.ino}`);
  }

  /** Bytes held back as an unfinished trailing record (append formats). */
  pendingBytes(): number {
    return this.current?.parser.pending ?? 0;
  }

  poll(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (this.closed) return;
          if (this.format === 'csv' || this.format === 'trainer-state') await this.pollSnapshot();
          else await this.pollAppend();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => {});
    const handles = this.current ? [this.current, ...this.retired] : this.retired;
    this.current = null;
    this.retired = [];
    await Promise.all(handles.map((h) => h.fd.close().catch(() => {})));
  }

  private problem(message: string, where?: string): void {
    this.emit({
      type: 'problem',
      problem:
        where === undefined ? { path: this.path, message } : { path: this.path, where, message },
    });
  }

  private publish(out: ParseOutput, dedupe: boolean): void {
    for (const p of out.problems) {
      if (dedupe) {
        const key = `${p.where ?? ''}|${p.message}`;
        if (this.reported.has(key)) continue;
        this.reported.add(key);
      }
      this.problem(p.message, p.where);
    }
    for (const s of out.samples)
      this.emit({ type: 'point', point: { path: this.path, format: this.format, ...s } });
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    this.emit({ type: 'source', path: this.path, format: this.format });
  }

  private removed(): void {
    if (!this.announced) return;
    this.announced = false;
    this.emit({ type: 'removed', path: this.path });
  }

  private accessProblem(e: unknown): boolean {
    const c = code(e);
    if (c === 'EACCES' || c === 'EPERM') {
      if (!this.denied) {
        this.denied = true;
        this.problem('permission denied; retrying until it is readable');
      }
      return true;
    }
    return false;
  }

  // ---- rewritten formats -------------------------------------------------------------------

  private async pollSnapshot(): Promise<void> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(this.path);
    } catch (e) {
      if (code(e) === 'ENOENT') {
        if (this.announced) {
          // A file created again at this path is a new file: its values are new values.
          this.snapshot = null;
          this.snapshotKey = '';
          this.reported.clear();
        }
        this.removed();
        return;
      }
      throw e;
    }
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (key === this.snapshotKey && !this.denied) return;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.path);
    } catch (e) {
      if (this.accessProblem(e)) return;
      if (code(e) === 'ENOENT') return this.pollSnapshot();
      throw e;
    }
    this.denied = false;
    this.snapshotKey = key;
    this.announce();
    this.snapshot ??= makeParser(this.format);
    if (this.snapshot.kind !== 'snapshot') return;
    this.publish(this.snapshot.parser.read(bytes), true);
  }

  // ---- append formats ----------------------------------------------------------------------

  private async pollAppend(): Promise<void> {
    for (const h of [...this.retired]) await this.drainRetired(h);
    if (!this.current && !(await this.openCurrent())) return;
    const h = this.current!;
    await this.readNew(h);
    // Is the path still this file? Renamed away (rotation) or deleted: drain, then start over.
    let st: Awaited<ReturnType<typeof stat>> | null = null;
    try {
      st = await stat(this.path);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
    if (st && st.ino === h.ino && st.dev === h.dev) return;
    await this.readNew(h);
    // Retire the handle before it stops being `current`: at every await in between, `inodes()`
    // must still list it, or the directory watcher, seeing the renamed file appear, takes it for
    // a new log and reads it again (a race the soak hit under load: a rotated tfevents file,
    // still named events.out.tfevents.*, shown as a second run).
    const hs = await h.fd.stat();
    if (hs.nlink > 0) this.retired.push(h);
    this.current = null;
    if (hs.nlink === 0) await h.fd.close();
    if (!st) this.removed();
    else {
      this.announced = false;
      await this.openCurrent().then((ok) => (ok ? this.readNew(this.current!) : undefined));
    }
  }

  private async openCurrent(): Promise<boolean> {
    let fd: FileHandle;
    try {
      fd = await open(this.path, 'r');
    } catch (e) {
      if (code(e) === 'ENOENT') return false;
      if (this.accessProblem(e)) return false;
      throw e;
    }
    this.denied = false;
    const st = await fd.stat();
    const p = makeParser(this.format, this.arrowSampler);
    if (p.kind !== 'append') {
      await fd.close();
      return false;
    }
    this.current = {
      fd,
      dev: st.dev,
      ino: st.ino,
      parser: p.parser,
      offset: 0,
      head: new Uint8Array(0),
    };
    this.announce();
    return true;
  }

  private restart(h: Handle): void {
    const p = makeParser(this.format, this.arrowSampler);
    if (p.kind === 'append') h.parser = p.parser;
    h.offset = 0;
    h.head = new Uint8Array(0);
  }

  private async readNew(h: Handle): Promise<void> {
    const { size } = await h.fd.stat();
    if (size >= h.offset && h.head.length > 0) {
      // Truncated and written again past our offset between two polls: the first bytes differ.
      const now = Buffer.alloc(h.head.length);
      await h.fd.read(now, 0, now.length, 0);
      if (!now.equals(h.head)) {
        this.problem('rewritten from the start; reading it again as new data', 'byte 0');
        this.restart(h);
      }
    }
    if (size < h.offset) {
      if (size >= h.parser.consumed) {
        this.problem(
          `truncated to ${size} bytes inside an unfinished record; continuing after the last complete record`,
          `byte ${h.parser.consumed}`,
        );
        h.parser.dropPending();
        h.offset = h.parser.consumed;
      } else {
        this.problem(
          `truncated from ${h.offset} to ${size} bytes; reading it again from the start as new data`,
          `byte ${size}`,
        );
        this.restart(h);
      }
    }
    while (h.offset < size && !this.closed) {
      const length = Math.min(CHUNK, size - h.offset);
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await h.fd.read(buf, 0, length, h.offset);
      if (bytesRead === 0) break;
      if (h.offset < HEAD)
        h.head = Buffer.concat([h.head, buf.subarray(0, Math.min(bytesRead, HEAD - h.offset))]);
      h.offset += bytesRead;
      this.publish(h.parser.push(buf.subarray(0, bytesRead)), false);
    }
  }

  private async drainRetired(h: Handle): Promise<void> {
    await this.readNew(h);
    const st = await h.fd.stat();
    if (st.nlink === 0 && st.size <= h.offset) {
      this.retired = this.retired.filter((x) => x !== h);
      await h.fd.close();
    }
  }
}
