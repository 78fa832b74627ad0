import { defineConfig } from 'vitest/config';

// Unit tests of the framework-free client modules, and component tests (*.test.tsx, jsdom, fake timers);
// the browser test is e2e/ (node --test).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
  },
});
