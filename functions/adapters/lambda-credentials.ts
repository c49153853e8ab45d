/**
 * The credential provider the deployed bundles use in place of the SDK's default chain.
 *
 * Every SDK client's runtime config imports `defaultProvider` from
 * `@aws-sdk/credential-provider-node`: env, SSO, ini, process, web identity, container and IMDS
 * providers, and the STS, SSO and sign-in clients behind them (about 120 KB of each minified
 * bundle). Lambda hands a function its execution role's keys in two ways, and this module keeps
 * exactly those two links of the chain, in the chain's order:
 * - AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, "the access keys obtained from
 *   the function's execution role" (Lambda Developer Guide, "Defined runtime environment variables",
 *   https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);
 * - with SnapStart, a container credentials endpoint, AWS_CONTAINER_CREDENTIALS_FULL_URI and
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN, in place of the keys ("Activating and managing Lambda
 *   SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials).
 *   Herald's functions do not turn SnapStart on; the link is there so that turning it on cannot
 *   leave them without credentials.
 * HeraldFunction (infra/constructs/herald-function.ts) aliases the chain's package to this module.
 * Tests, the demo and the CLI run the source and keep the full chain.
 *
 * With neither, a call fails with the SDK's own CredentialsProviderError ("Unable to find
 * environment variable credentials.") instead of probing the instance metadata service.
 * test/infra/bundling.test.ts signs requests from the bundled ingest handler both ways.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';

type Init = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

/** Same name and call shape as `@aws-sdk/credential-provider-node`'s export, which it replaces. */
export const defaultProvider = (init: Init = {}) => {
  if (process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return fromEnv(init);
  // The SDK does not cache what a credentialDefaultProvider returns (the default chain caches
  // itself): without this, every request would fetch the keys again. The SDK's own memoizer
  // refreshes them five minutes before they expire.
  return memoizeIdentityProvider(fromHttp(init), isIdentityExpired, doesIdentityRequireRefresh);
};
