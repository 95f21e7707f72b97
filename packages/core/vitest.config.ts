import { defineProject } from 'vitest/config';
import { propertySeedOptions } from '../../scripts/propertySeed.js';

export default defineProject({
  resolve: { conditions: ['@losskit/source'] },
  ssr: { resolve: { conditions: ['@losskit/source'] } },
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The approximation tests sweep whole input ranges (every float32 of a binade, millions of
    // arguments): 1–3 s alone, several times that while turbo runs the other packages' tests on
    // the same two cores. A hang still fails, after 60 s instead of 5.
    testTimeout: 60_000,
    ...propertySeedOptions(),
  },
});
