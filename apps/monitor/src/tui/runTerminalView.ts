import { emitKeypressEvents } from 'node:readline';
import type { Observable } from 'rxjs';
import type { MonitorEvent } from '../events.js';
import { SeriesStore } from '../store/SeriesStore.js';
import { renderFrame } from './renderFrame.js';

export interface TerminalViewOptions {
  /**
   * Points each series keeps before it is thinned to half, keeping its envelope (default
   * 100 000; 0: every point). See Series.
   */
  maxPoints?: number;
  /** Initial smoothing weight in [0, 1) (default 0.6, TensorBoard's). */
  smoothing?: number;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
  /**
   * Called after `q` or Ctrl-C has stopped the view. Default: send SIGINT to this process, so
   * the CLI shuts down as it does on Ctrl-C (in raw mode the terminal sends no SIGINT itself).
   */
  onQuit?: () => void;
  /** Least time between two redraws, in ms (default 100). */
  frameIntervalMs?: number;
}

/** The smoothing weights `[` and `]` step through. */
export const SMOOTHING_STEPS = [0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99, 0.999];

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

/**
 * The live terminal view: draws {@link renderFrame} on the alternate screen, redrawn at most
 * every `frameIntervalMs` as points arrive and on resize. Keys: `[`/`]` (or `-`/`+`) change the
 * smoothing, `n`/`p`, ←/→, PgDn/PgUp, space page through the series, `q` or Ctrl-C quit.
 * `stop()` restores the terminal and prints the last frame to the normal screen.
 */
export function runTerminalView(
  events$: Observable<MonitorEvent>,
  options: TerminalViewOptions = {},
): { stop(): void } {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const frameInterval = options.frameIntervalMs ?? 100;
  const store = new SeriesStore({ maxPoints: options.maxPoints });
  const state = { smoothing: nearestStep(options.smoothing ?? 0.6), page: 0, ended: false };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let lastDraw = 0;

  const size = () => ({ columns: output.columns || 100, rows: output.rows || 30 });
  const draw = () => {
    timer = null;
    if (stopped) return;
    lastDraw = Date.now();
    const frame = renderFrame(store, state, size());
    state.page = frame.page;
    output.write(`\x1b[H${frame.lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
  };
  const schedule = () => {
    if (stopped || timer !== null) return;
    const wait = Math.max(0, lastDraw + frameInterval - Date.now());
    timer = setTimeout(draw, wait);
  };

  const subscription = events$.subscribe({
    next: (ev) => {
      store.ingest(ev);
      schedule();
    },
    error: (err: unknown) => {
      store.ingest({ type: 'problem', problem: { path: '(monitor)', message: String(err) } });
      state.ended = true;
      schedule();
    },
    complete: () => {
      state.ended = true;
      schedule();
    },
  });

  const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean } = {}) => {
    const name = key.name ?? str;
    if (name === 'q' || (key.ctrl && name === 'c')) {
      stop();
      (options.onQuit ?? (() => process.kill(process.pid, 'SIGINT')))();
      return;
    }
    const i = SMOOTHING_STEPS.indexOf(state.smoothing);
    if (str === ']' || str === '+' || str === '=') {
      state.smoothing = SMOOTHING_STEPS[Math.min(SMOOTHING_STEPS.length - 1, i + 1)];
    } else if (str === '[' || str === '-') {
      state.smoothing = SMOOTHING_STEPS[Math.max(0, i - 1)];
    } else if (name === 'n' || name === 'right' || name === 'pagedown' || name === 'space') {
      state.page += 1;
    } else if (name === 'p' || name === 'left' || name === 'pageup') {
      state.page = Math.max(0, state.page - 1);
    } else if (name === 'home') {
      state.page = 0;
    } else {
      return;
    }
    schedule();
  };

  emitKeypressEvents(input);
  const wasRaw = input.isTTY ? input.isRaw : false;
  if (input.isTTY) input.setRawMode(true);
  input.on('keypress', onKey);
  input.resume();
  output.on('resize', schedule);
  output.write(ENTER);
  draw();

  function stop() {
    if (stopped) return;
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    subscription.unsubscribe();
    input.off('keypress', onKey);
    if (input.isTTY) input.setRawMode(wasRaw);
    input.pause();
    output.off('resize', schedule);
    const frame = renderFrame(store, state, size());
    // Leave the alternate screen and keep the last picture on the normal one (without the key help).
    output.write(`${LEAVE}${frame.lines.slice(0, -1).join('\n').trimEnd()}\n`);
  }
  return { stop };
}

function nearestStep(w: number): number {
  let best = SMOOTHING_STEPS[0];
  for (const s of SMOOTHING_STEPS) if (Math.abs(s - w) < Math.abs(best - w)) best = s;
  return best;
}
