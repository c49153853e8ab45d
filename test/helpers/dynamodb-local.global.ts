/**
 * vitest globalSetup: one DynamoDB Local for the whole run, shared by every test file that asks
 * for it (each makes its own table). It starts lazily — on the first connection — and stops after
 * the last file.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Loopback endpoint of the run's DynamoDB Local (see test/helpers/dynamodb-local.ts). */
    dynamoDbLocalEndpoint: string;
    /** `netns` when it runs in a private network namespace, `none` when it listens on this machine. */
    dynamoDbLocalIsolation: 'netns' | 'none';
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoDbLocalEndpoint', dynamo.endpoint);
  project.provide('dynamoDbLocalIsolation', dynamo.isolation);
  return () => dynamo.stop();
}
