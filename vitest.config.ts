import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration suites start local stand-ins; keep the fan-out small.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure code (no stand-ins, no simulated clock): the files of one worker share its module
          // cache instead of importing the engine afresh each (issue 19: the unit files took 147 s
          // isolated, 87 s not, on 2 shared cores; every test passes either way).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**'],
          // One DynamoDB Local (Java) for the run, started on first use, shared by the files that use it.
          globalSetup: ['test/helpers/dynamodb-local.global.ts'],
        },
      },
    ],
  },
});
