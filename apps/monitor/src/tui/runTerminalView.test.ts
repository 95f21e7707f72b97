import { PassThrough } from 'node:stream';
import { Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { MonitorEvent } from '../events.js';
import { runTerminalView } from './runTerminalView.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping escapes
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');

function terminal() {
  const output = Object.assign(new PassThrough(), { columns: 100, rows: 30, isTTY: true });
  let written = '';
  output.on('data', (c: Buffer) => {
    written += c.toString('utf8');
  });
  const input = new PassThrough();
  return {
    input: input as unknown as NodeJS.ReadStream,
    output: output as unknown as NodeJS.WriteStream,
    text: () => written,
  };
}

describe('runTerminalView', () => {
  it('draws arriving points, changes smoothing and pages on keys, and quits on q', async () => {
    const t = terminal();
    const events$ = new Subject<MonitorEvent>();
    const onQuit = vi.fn();
    const view = runTerminalView(events$, {
      input: t.input,
      output: t.output,
      onQuit,
      frameIntervalMs: 5,
    });
    expect(t.text()).toContain('\x1b[?1049h');
    for (let step = 0; step < 20; step++) {
      events$.next({
        type: 'point',
        point: {
          path: 'run.jsonl',
          format: 'jsonl',
          series: 'val_loss',
          step,
          value: 1 / (step + 1),
          wallTime: step,
        },
      });
    }
    await vi.waitFor(() => expect(strip(t.text())).toContain('step 19'));
    expect(strip(t.text())).toContain('smoothing 0.600');
    (t.input as unknown as PassThrough).write(']');
    await vi.waitFor(() => expect(strip(t.text())).toContain('smoothing 0.800'));
    (t.input as unknown as PassThrough).write('[[');
    await vi.waitFor(() => expect(strip(t.text())).toContain('smoothing 0.300'));
    (t.input as unknown as PassThrough).write('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
    // Back on the normal screen with the cursor shown, the last picture left behind.
    const tail = t.text().slice(t.text().lastIndexOf('\x1b[?1049l'));
    expect(t.text()).toContain('\x1b[?25h\x1b[?1049l');
    expect(strip(tail)).toContain('val_loss');
    expect(events$.observed).toBe(false);
    view.stop();
  });
});
