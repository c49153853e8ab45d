import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalSystem } from '../../../local/system.ts';

/** Every item of the system's table, unmarshalled (read on the simulated clock, every page). */
export async function scanTable(sys: LocalSystem): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await sys.clock.track(() =>
      sys.stack.dynamo.client.send(
        new ScanCommand({
          TableName: sys.stack.dynamo.tableName,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The subjects of the emails the SES stand-in holds for `<customerId>@example.com`, in its order. */
export async function emailSubjects(sys: LocalSystem, customerId: string): Promise<string[]> {
  const emails = await sys.clock.track(() => sys.stack.ses!.emails());
  return emails.filter((e) => e.destination.to.includes(`${customerId}@example.com`)).map((e) => e.subject);
}
