import { PassThrough } from 'node:stream';
import { of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MonitorEvent } from '../events.js';
import { runPlainView } from './runPlainView.js';

const pt = (series: string, step: number, value: number, path = 'runs/a.jsonl'): MonitorEvent => ({
  type: 'point',
  point: { path, format: 'jsonl', series, step, value, wallTime: 100 + step },
});

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString('utf8');
  });
  return { out, text: () => text };
}

describe('runPlainView', () => {
  it('prints one line per changed series, problems at once, and flushes on stop', () => {
    const s = sink();
    const events$ = new Subject<MonitorEvent>();
    const view = runPlainView(events$, { output: s.out, intervalMs: 60_000, smoothing: 0.5 });
    events$.next(pt('loss', 0, 2));
    events$.next(pt('loss', 1, 4));
    events$.next(pt('acc', 1, Number.NaN, 'runs/with space.jsonl'));
    events$.next({
      type: 'problem',
      problem: { path: 'runs/a.jsonl', where: 'line 3', message: 'bad "json"' },
    });
    expect(s.text()).toMatch(
      /problem run=runs\/a\.jsonl where="line 3" message="bad \\"json\\""\n$/,
    );
    expect(s.text()).not.toContain('series=loss');
    view.stop();
    const lines = s.text().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      / run="runs\/with space.jsonl" series=acc step=1 last=NaN .* nonFinite=1 firstNonFiniteStep=1$/,
    );
    // smooth = (0.5·1 + 0.5·4) / 0.75 = 10/3
    expect(lines[2]).toMatch(
      / run=runs\/a\.jsonl series=loss step=1 last=4 mean=3 smooth=3\.33333 min=2 max=4 count=2 rate=1steps\/s$/,
    );
  });

  it('prints the pending lines when the sources end, even synchronously', () => {
    const s = sink();
    runPlainView(of(pt('loss', 0, 1), pt('loss', 5, 0.5)), { output: s.out });
    expect(s.text()).toMatch(/series=loss step=5 last=0.5/);
  });
});
