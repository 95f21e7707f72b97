import { defineProject } from 'vitest/config';
import { propertySeedOptions } from '../../scripts/propertySeed.js';

export default defineProject({
  resolve: { conditions: ['@losskit/source'] },
  ssr: { resolve: { conditions: ['@losskit/source'] } },
  test: {
    name: 'bench',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    ...propertySeedOptions(),
  },
});
