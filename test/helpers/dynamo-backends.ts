/**
 * The DynamoDB implementations the store's tests run against: dynalite (fast, in Node) and
 * DynamoDB Local (AWS's own emulator, in Java; see dynamodb-local.ts). A suite written once runs
 * on both with `describe.each(DYNAMO_BACKENDS)`; where they differ, the adapter is fixed or
 * docs/local.md says so, with the test that shows it.
 */
import { inject } from 'vitest';
import { connectDynamoEndpoint, type DynaliteStandIn, startDynalite } from '../../local/standins/index.ts';
import { waitForDynamoDbLocal } from './dynamodb-local.ts';

export interface DynamoBackend {
  name: 'dynalite' | 'DynamoDB Local';
  /** A stand-in with a fresh table of the deployed shape. */
  start(): Promise<DynaliteStandIn>;
  /** What to hand the demo (`dynamo`) for this backend; undefined: its default, in-process dynalite. */
  demoOption(): Promise<{ endpoint: string } | undefined>;
}

async function dynamoDbLocalEndpoint(): Promise<string> {
  const endpoint = inject('dynamoDbLocalEndpoint');
  await waitForDynamoDbLocal(endpoint);
  return endpoint;
}

export const DYNALITE: DynamoBackend = {
  name: 'dynalite',
  start: () => startDynalite(),
  demoOption: async () => undefined,
};

export const DYNAMODB_LOCAL: DynamoBackend = {
  name: 'DynamoDB Local',
  start: async () => connectDynamoEndpoint({ endpoint: await dynamoDbLocalEndpoint() }),
  demoOption: async () => ({ endpoint: await dynamoDbLocalEndpoint() }),
};

export const DYNAMO_BACKENDS: readonly DynamoBackend[] = [DYNALITE, DYNAMODB_LOCAL];
