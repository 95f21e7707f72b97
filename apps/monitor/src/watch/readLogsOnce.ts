import type { MonitorEvent } from '../events.js';
import { FileFollower } from './FileFollower.js';
import { findLogFiles } from './findLogFiles.js';
import type { WatchOptions } from './watchLogs.js';

/**
 * Reads every log file under `paths` once (for `summarize`), calling `emit` for each event in
 * order. An unfinished trailing record is reported, not read.
 */
export async function readLogsOnce(
  paths: readonly string[],
  emit: (e: MonitorEvent) => void,
  options: Pick<WatchOptions, 'arrowSampler'> = {},
): Promise<void> {
  for (const { path, format } of await findLogFiles(paths)) {
    const f = new FileFollower(path, format, emit, options.arrowSampler);
    try {
      await f.poll();
      const pending = f.pendingBytes();
      if (pending > 0)
        emit({
          type: 'problem',
          problem: { path, message: `ends in an unfinished record (${pending} bytes); not read` },
        });
    } catch (e) {
      emit({ type: 'problem', problem: { path, message: `read failed: ${(e as Error).message}` } });
    } finally {
      await f.close();
    }
  }
}
