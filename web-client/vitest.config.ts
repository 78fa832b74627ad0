import { defineConfig } from 'vitest/config';

// Unit tests of the framework-free client modules; the browser test is e2e/ (node --test).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
