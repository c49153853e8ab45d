/**
 * Which items of the single table each function may touch, by partition key.
 *
 * IAM scopes item access with `dynamodb:LeadingKeys`, the partition key values a request touches
 * ("Using IAM policy conditions for fine-grained access control",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html); it has
 * no key for the sort key. The item layout (functions/adapters/dynamo-table.ts) therefore keeps what
 * must be told apart in partitions of their own: a customer's profile, events, enrollments, wait
 * tokens and ledger under `C#<customer>`; the send protocol's step claims and cap window under
 * `SEND#<customer>`, granted to the step function only, so feedback and unsubscribe, which write
 * profiles, cannot rewrite a claim or a cap window; the catalog (`PRODUCT#`), the provider-message
 * index (`MSG#`), the phone index (`PHONE#`), a journey's operator control (`JOURNEY#`). Each is granted only to the functions that use it,
 * and only with the actions they use.
 *
 * `ForAllValues:StringLike`: every partition key of the request must match a granted prefix. Every
 * action granted here names its partition key (GetItem, PutItem, UpdateItem, Query, DeleteItem), so the key is
 * never absent (an absent key would satisfy ForAllValues). test/iam evaluates every call the
 * functions make against these statements.
 */

import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  ANON_KEY_PREFIX,
  AUDIT_KEY_PREFIX,
  ERASED_KEY_PREFIX,
} from '../../functions/adapters/dynamo-privacy.ts';
import { DUE_KEY_PREFIX, RUN_KEY_PREFIX } from '../../functions/adapters/dynamo-runs.ts';
import {
  CUSTOMER_KEY_PREFIX,
  JOURNEY_KEY_PREFIX,
  PRODUCT_KEY_PREFIX,
  SEND_KEY_PREFIX,
} from '../../functions/adapters/dynamo-table.ts';

/** Partition key prefixes, as functions/adapters/dynamo-store.ts writes them. */
export const PK = {
  customer: CUSTOMER_KEY_PREFIX,
  send: SEND_KEY_PREFIX,
  product: PRODUCT_KEY_PREFIX,
  message: 'MSG#',
  phone: 'PHONE#',
  journey: JOURNEY_KEY_PREFIX,
  // Privacy (functions/adapters/dynamo-privacy.ts): tombstones, the pseudonymised ledger, audit records.
  erased: ERASED_KEY_PREFIX,
  anon: ANON_KEY_PREFIX,
  audit: AUDIT_KEY_PREFIX,
  /** Scale mode: a run's state (`RUN#<customer>`) and the reconciler's due index (`DUE#<bucket>#<shard>`). */
  run: RUN_KEY_PREFIX,
  due: DUE_KEY_PREFIX,
} as const;

export type ItemAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'Query'
  | 'DeleteItem'
  | 'BatchGetItem'
  | 'BatchWriteItem';

/**
 * BatchGetItem and BatchWriteItem take `dynamodb:LeadingKeys` too (Service Authorization Reference,
 * "Actions, resources, and condition keys for Amazon DynamoDB",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html), and
 * one request may name keys of several partitions: grant a batch action in one statement whose
 * prefixes cover every partition one of its requests touches, so the statement holds whether the
 * keys are judged together or item by item. Their statements also require the key to be present
 * (`Null` false), as `ForAllValues` alone holds for a request without it (IAM User Guide,
 * "Single-valued vs. multivalued context keys"; constructs/catalog.ts does the same).
 */
const BATCH_ACTIONS: readonly ItemAction[] = ['BatchGetItem', 'BatchWriteItem'];

/** One grant: these actions, on items whose partition key starts with one of these prefixes. */
export interface ItemAccess {
  actions: ItemAction[];
  prefixes: (typeof PK)[keyof typeof PK][];
}

export function grantItems(table: dynamodb.ITable, grantee: iam.IGrantable, access: ItemAccess[]): void {
  for (const { actions, prefixes } of access) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
          ...(actions.some((a) => BATCH_ACTIONS.includes(a))
            ? { Null: { 'dynamodb:LeadingKeys': 'false' } }
            : {}),
        },
      }),
    );
  }
}
