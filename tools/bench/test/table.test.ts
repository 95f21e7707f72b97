import { describe, expect, it } from 'vitest';
import { formatFreshResults, formatTable } from '../src/table.js';
import { report, row } from './resultRows.js';

describe('gradients without out in the table', () => {
  const fast = row('mseGrad 10000000', 16, {
    peers: { 'pytorch-1t': 24 },
    losskit_fresh_ms: 20,
    losskit_fresh_reps: 5,
  });
  const slow = row('smoothL1Grad 10000000', 22, {
    peers: { 'pytorch-1t': 26 },
    losskit_fresh_ms: 52,
    losskit_fresh_reps: 6,
  });

  it('notes the fresh-result time and its PyTorch ratio beside the row', () => {
    const table = formatTable(report([slow]));
    expect(table).toContain(
      'without out (a fresh result per call): 52.0 ms (n=6), pytorch-1t 0.50×',
    );
  });

  it('counts the rows at 1.0× PyTorch or better and lists the others', () => {
    const text = formatFreshResults(report([fast, slow, row('mse 10000000', 10)]));
    expect(text.split('\n')).toEqual([
      '- ≥ 1.0× PyTorch-1t (wall): 1 of 2',
      '  - below: smoothL1Grad 10000000: 0.50× (26.0 vs 52.0 ms; 22.0 ms with out)',
    ]);
  });

  it('says nothing when no gradient row has both times', () => {
    const noTorch = row('mseGrad 10000000', 16, { losskit_fresh_ms: 20 });
    expect(formatFreshResults(report([noTorch, row('mse 10000000', 10)]))).toBe('');
  });
});
