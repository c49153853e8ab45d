/**
 * Test helper: builds the Herald app exactly as `cdk synth` does, but without running esbuild.
 *
 * CDK's own `aws:cdk:bundling-stacks` context set to `[]` tells every asset to skip bundling (the
 * same switch `cdk synth --exclusively` uses); the Lambda functions are still the real
 * NodejsFunction constructs with their runtime, handler, environment and roles — only the code
 * asset is a placeholder. `npx cdk synth` never sets this, so deployments always bundle for real.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { JourneyValidationError } from '../../engine/validate/index.ts';
import type { HeraldConfig } from '../../infra/config.ts';
import { createHeraldApp } from '../../infra/herald-app.ts';

export const TEST_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  senderIdentity: 'example.com',
  fromAddress: 'Herald <hello@example.com>',
  smsOriginationIdentity: '+15555550100',
};

export interface BuildOptions {
  context?: Record<string, unknown>;
  config?: Partial<HeraldConfig>;
  /** CDK's built-in CloudFormation validation: only the validation test needs it (it is slow). */
  cloudFormationValidation?: boolean;
}

export function buildHerald(options: BuildOptions = {}) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'herald-cdk-'));
  const { app, stack } = createHeraldApp({
    context: { ...TEST_CONTEXT, ...options.context },
    outdir,
    cloudFormationValidation: options.cloudFormationValidation ?? false,
    ...(options.config ? { config: options.config } : {}),
  });
  return { app, stack, outdir };
}

export function synthHerald(options: BuildOptions = {}) {
  const built = buildHerald(options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** The validator's error the synth of this journeys folder fails with (a synth that passes fails the test). */
export function synthError(journeysDir: string): JourneyValidationError {
  try {
    synthHerald({ config: { journeysDir } });
  } catch (error) {
    if (error instanceof JourneyValidationError) return error;
    throw error;
  }
  throw new Error(`the synth of ${journeysDir} succeeded`);
}
