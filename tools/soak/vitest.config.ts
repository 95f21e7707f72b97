import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@losskit/source'] },
  ssr: { resolve: { conditions: ['@losskit/source'] } },
  test: { name: 'soak', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
