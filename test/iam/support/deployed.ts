/**
 * The real CDK app, synthesized for the journeys a runtime runs and resolved into one fixed
 * account and region: the roles and environments IAM evaluation compares the recorded calls with.
 *
 * Names: the stack is synthesized as `herald` (context `stackName`), so state machines are
 * `herald-<journey>` as in the local runtimes; physical ids CloudFormation would generate (table,
 * configuration set, app id) are set to the runtime's (`physicalNames`).
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataDictionary } from '../../../engine/dictionary.ts';
import type { Journey } from '../../../engine/schema.ts';
import { releasedPath } from '../../../engine/validate/releases.ts';
import { DEFAULT_TABLE_NAME, TABLE_KEYS } from '../../../functions/adapters/dynamo-table.ts';
import type { AwsCall } from '../../../local/aws-calls.ts';
import { buildHerald } from '../../infra/synth.ts';
import { describeDenials, type Evaluation, evaluateCalls } from './evaluate.ts';
import type { Deployment } from './requests.ts';
import { type CfnTemplate, type FunctionRole, ResolvedTemplate } from './template.ts';

/** The account and region every IAM evaluation deploys into (AWS's documentation example account). */
export const IAM_ACCOUNT = '123456789012';
export const IAM_REGION = 'eu-west-1';
export const IAM_STACK_NAME = 'herald';
/** The audience export bucket's name (CloudFormation would generate one). */
export const IAM_EXPORT_BUCKET = 'herald-audience-exports';
/** `STATE_MACHINE_ARN_PREFIX` as the template resolves it for ingest. */
export const DEPLOYED_STATE_MACHINE_PREFIX = `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:stateMachine:${IAM_STACK_NAME}-`;

export interface DeployedNames {
  /** The From address; its domain is the SES identity (context `senderIdentity`). */
  fromAddress: string;
  tableName: string;
  configurationSetName: string;
  pinpointAppId: string;
}

export interface DeployOptions extends DeployedNames {
  /** The journeys the runtime runs: one state machine each. */
  journeys: readonly Journey[];
  /** workflows/data.json for those journeys, when they use custom fields. */
  dictionary?: DataDictionary;
  /** Edits the synthesized template before resolution (a test's deliberately wrong grant). */
  edit?: (template: CfnTemplate) => void;
}

/** One recorded-call shape of the evaluation: function, SDK client, operation, input. */
export function awsCall(
  fn: string,
  client: string,
  operation: string,
  input: Record<string, unknown>,
): AwsCall {
  return { fn, client, operation, input };
}

/** The deploy the IAM tests evaluate: these journeys, with the names the demo deploys under. */
export function demoDeploy(journeys: readonly Journey[]): DeployOptions {
  return {
    journeys,
    fromAddress: 'Herald <news@herald.test>',
    tableName: DEFAULT_TABLE_NAME,
    configurationSetName: 'herald',
    pinpointAppId: 'herald-app',
  };
}

export function deploymentFor(names: Pick<DeployedNames, 'fromAddress'>): Deployment {
  return {
    partition: 'aws',
    region: IAM_REGION,
    account: IAM_ACCOUNT,
    partitionKey: TABLE_KEYS.partitionKey,
    sesIdentities: [senderIdentity(names.fromAddress)],
  };
}

function senderIdentity(fromAddress: string): string {
  return (/<([^>]+)>/.exec(fromAddress)?.[1] ?? fromAddress).split('@')[1] ?? fromAddress;
}

const synthesized = new Map<string, CfnTemplate>();

/** The template of the real app for these journeys (cached per journey set and names). */
export function synthesizeFor(options: DeployOptions): CfnTemplate {
  const key = JSON.stringify([options.fromAddress, options.journeys, options.dictionary ?? null]);
  const cached = synthesized.get(key);
  if (cached) return structuredClone(cached);
  const journeysDir = mkdtempSync(path.join(tmpdir(), 'herald-iam-journeys-'));
  try {
    mkdirSync(journeysDir, { recursive: true });
    if (options.dictionary)
      writeFileSync(path.join(journeysDir, 'data.json'), JSON.stringify(options.dictionary));
    // Audience journeys name segments: the repository's, as `cdk synth` of workflows/ reads them.
    if (options.journeys.some((j) => j.entry.segment !== undefined))
      cpSync(new URL('../../../workflows/segments/', import.meta.url), path.join(journeysDir, 'segments'), {
        recursive: true,
      });
    // Oldest first: the current file of a journey is its newest version.
    const oldestFirst = [...options.journeys].sort((a, b) => a.version - b.version);
    for (const journey of oldestFirst) {
      writeFileSync(path.join(journeysDir, `${journey.id}.journey.json`), JSON.stringify(journey));
      // Synth refuses an unreleased version (infra/journeys.ts): release each one as `herald release` would.
      const released = path.join(journeysDir, releasedPath(journey.id, journey.version));
      mkdirSync(path.dirname(released), { recursive: true });
      writeFileSync(released, JSON.stringify(journey));
    }
    const { app, stack } = buildHerald({
      context: {
        stackName: IAM_STACK_NAME,
        senderIdentity: senderIdentity(options.fromAddress),
        fromAddress: options.fromAddress,
      },
      config: { journeysDir },
    });
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    synthesized.set(key, template);
    return structuredClone(template);
  } finally {
    rmSync(journeysDir, { recursive: true, force: true });
  }
}

/** Each function's role statements and environment, resolved as deployed. */
export function deployedRoles(options: DeployOptions): FunctionRole[] {
  return resolvedFor(options).functionRoles();
}

/** Roles a service assumes (e.g. `scheduler.amazonaws.com`), with their trust policy, resolved as deployed. */
export function deployedServiceRoles(options: DeployOptions, servicePrincipal: string) {
  return resolvedFor(options).rolesAssumedBy(servicePrincipal);
}

/** The template's resources of one type, their properties resolved as deployed. */
export function deployedResources(options: DeployOptions, type: string): Record<string, unknown>[] {
  const template = editedTemplate(options);
  const resolved = resolvedFor(options, template);
  return Object.values(template.Resources)
    .filter((r) => r.Type === type)
    .map((r) => resolved.resolve(r.Properties) as Record<string, unknown>);
}

function editedTemplate(options: DeployOptions): CfnTemplate {
  const template = synthesizeFor(options);
  options.edit?.(template);
  return template;
}

function resolvedFor(options: DeployOptions, template = editedTemplate(options)): ResolvedTemplate {
  return new ResolvedTemplate(template, {
    partition: 'aws',
    region: IAM_REGION,
    account: IAM_ACCOUNT,
    stackName: IAM_STACK_NAME,
    physicalNames: {
      'AWS::DynamoDB::Table': options.tableName,
      'AWS::SES::ConfigurationSet': options.configurationSetName,
      'AWS::Pinpoint::App': options.pinpointAppId,
      'AWS::S3::Bucket': IAM_EXPORT_BUCKET,
    },
  });
}

/** Evaluates the calls; throws one error listing every denied request. */
export async function assertAllowed(calls: readonly AwsCall[], options: DeployOptions): Promise<Evaluation> {
  const evaluation = await evaluateCalls(calls, deployedRoles(options), deploymentFor(options));
  if (evaluation.denials.length > 0) {
    throw new Error(
      `IAM would deny ${evaluation.denials.length} request(s) the functions made:\n${describeDenials(evaluation.denials)}`,
    );
  }
  return evaluation;
}
