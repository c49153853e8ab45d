/**
 * Builds the CDK app: the Herald stack plus cdk-nag's AwsSolutions pack, run by CDK's policy
 * validation at synth (cdk-nag 3 is a validation plugin, not an Aspect). Any unacknowledged finding
 * fails `cdk synth`; acknowledgements live next to the resource they concern, each with a reason.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { HeraldConfig } from './config.ts';
import { HeraldStack } from './herald-stack.ts';

export interface HeraldAppOptions {
  /** CDK context (`production`, `journeysDir`, `senderIdentity`, …), as `-c key=value` would give. */
  context?: Record<string, unknown>;
  config?: Partial<HeraldConfig>;
  outdir?: string;
  /**
   * CDK's built-in CloudFormation template validation (on by default, as in `cdk synth`). Assertion
   * tests that do not look at validation turn it off: it is most of their synth time.
   */
  cloudFormationValidation?: boolean;
}

export function createHeraldApp(options: HeraldAppOptions = {}): { app: App; stack: HeraldStack } {
  const appProps: AppProps = {
    context: options.context ?? {},
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
  };
  const app = new App(options.outdir ? { ...appProps, outdir: options.outdir } : appProps);
  const stackName = String(app.node.tryGetContext('stackName') ?? 'Herald');
  const account = app.node.tryGetContext('account') as string | undefined;
  const region = app.node.tryGetContext('region') as string | undefined;
  const stack = new HeraldStack(app, stackName, {
    description: 'Herald: omnichannel customer journeys on Step Functions, SES and End User Messaging',
    // Environment-agnostic unless context pins it: `cdk synth` needs no credentials.
    ...(account || region ? { env: { account, region } } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
