import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: {groupOrder: 0},
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Real containers: generous timeouts, files in parallel on two workers at most.
          testTimeout: 240_000,
          hookTimeout: 240_000,
          maxWorkers: 2,
          // Projects with different maxWorkers need distinct group orders (unit first, then e2e).
          sequence: {groupOrder: 1},
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
    ],
  },
})
