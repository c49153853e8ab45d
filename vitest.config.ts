import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One DynamoDB Local (Java) for the run, started on first use, shared by the files that use it.
    globalSetup: ['test/helpers/dynamodb-local.global.ts'],
    // Two cores: integration suites start local stand-ins; keep the fan-out small.
    maxWorkers: 2,
  },
});
