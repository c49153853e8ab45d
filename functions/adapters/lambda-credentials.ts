/**
 * The credential provider the deployed bundles use in place of the SDK's default chain.
 *
 * Every SDK client's runtime config imports `defaultProvider` from
 * `@aws-sdk/credential-provider-node`: env, SSO, ini, process, web identity, container and IMDS
 * providers, and the STS, SSO and sign-in clients behind them (about 120 KB of each minified
 * bundle). On Lambda the first link always answers: the runtime sets AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to "the access keys obtained from the function's
 * execution role" (Lambda Developer Guide, "Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * So HeraldFunction (infra/constructs/herald-function.ts) aliases that package to this module,
 * which is that first link alone. Nothing else changes: tests, the demo and the CLI run the
 * source and keep the full chain.
 *
 * Without those variables, a call fails with the SDK's own CredentialsProviderError ("Unable to
 * find environment variable credentials.") instead of probing the instance metadata service.
 * test/infra/bundling.test.ts signs a request from the bundled ingest handler with them.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type EnvInit = Parameters<typeof fromEnv>[0];

/** Same name and call shape as `@aws-sdk/credential-provider-node`'s export, which it replaces. */
export const defaultProvider = (init: EnvInit = {}) => fromEnv(init);
