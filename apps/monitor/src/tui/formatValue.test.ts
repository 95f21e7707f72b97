import { describe, expect, it } from 'vitest';
import { formatValue } from './formatValue.js';
import { terminalSafe } from './terminalSafe.js';

describe('formatValue', () => {
  it('keeps numbers short and names the non-finite ones', () => {
    expect(formatValue(0.412345678)).toBe('0.41235');
    expect(formatValue(1100)).toBe('1100');
    expect(formatValue(1.2e-5)).toBe('1.20e-5');
    expect(formatValue(3.5e7)).toBe('3.50e7');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
  });
});

describe('terminalSafe', () => {
  it('replaces ESC, BEL, CR, LF and C1 controls, keeps other text', () => {
    expect(terminalSafe('a\x1b[2Jb\x07c\r\nd\u009be')).toBe(
      'a\uFFFD[2Jb\uFFFDc\uFFFD\uFFFDd\uFFFDe',
    );
    expect(terminalSafe('train/loss ü 損失')).toBe('train/loss ü 損失');
  });
});
