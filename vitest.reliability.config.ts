import {defineConfig} from 'vitest/config'

// The reliability suite (npm run test:reliability): bad input in bulk, concurrency, kill -9 and Ctrl-C,
// hostile branch names, many branches. Not part of npm test; CI runs it after npm test (.ci/run).
// Each file owns its fixtures (unique project names, free ports), so two files run at once.
export default defineConfig({
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    maxConcurrency: 4,
    globalSetup: ['test/e2e/global-setup.ts'],
  },
})
