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
          name: 'shared-modules',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/iam/**/*.test.ts'],
          // The files of one worker share its module cache instead of importing the engine, the
          // SDK and aws-cdk-lib afresh each (issue 19; on 2 cores shared with another engineer's
          // runs: test/unit 147 s isolated → 87 s not, test/infra 106 s → 31 s, test/iam 36 s not;
          // every test passes either way). A file that fakes the clock (local/clock.ts) restores it in
          // its afterAll/afterEach, and none shares a stand-in with another.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', 'test/infra/**', 'test/iam/**'],
          // One DynamoDB Local (Java) for the run, started on first use, shared by the files that use it.
          globalSetup: ['test/helpers/dynamodb-local.global.ts'],
          // These files too share their worker's module cache (issue 19). Each starts its own
          // stand-ins and stops them in afterAll, and ends its env stubs (vi.unstubAllEnvs). The
          // fresh-clone CI (`bash .ci/run`, 2026-12-04) took 415 s of vitest, 220 s of it importing,
          // with these files isolated (137a98b), and 299 s, 67 s importing, without (ed88f57); every
          // test passed in both.
          isolate: false,
        },
      },
    ],
  },
});
