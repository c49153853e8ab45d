/**
 * Which items of the single table each function may touch, by partition key.
 *
 * IAM scopes item access with `dynamodb:LeadingKeys`, the partition key values a request touches
 * ("Using IAM policy conditions for fine-grained access control",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html); it has
 * no key for the sort key. The item layout (functions/adapters/dynamo-table.ts) keeps a customer's
 * profile, events, enrollments, wait tokens, step claims, caps and ledger under one partition,
 * `C#<customer>`, told apart only by `sk`: a function that may write its customer's profile may
 * write that customer's claims and caps too. What the partition key does separate — the catalog
 * (`PRODUCT#`), the provider-message index (`MSG#`), the phone index (`PHONE#`) — is granted only
 * to the functions that use it, and only with the actions they use.
 *
 * `ForAllValues:StringLike`: every partition key of the request must match a granted prefix. Every
 * action granted here names its partition key (GetItem, PutItem, UpdateItem, Query), so the key is
 * never absent (an absent key would satisfy ForAllValues). test/iam evaluates every call the
 * functions make against these statements.
 */

import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Partition key prefixes, as functions/adapters/dynamo-store.ts writes them. */
export const PK = {
  customer: 'C#',
  product: 'PRODUCT#',
  message: 'MSG#',
  phone: 'PHONE#',
} as const;

export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query';

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
        },
      }),
    );
  }
}
