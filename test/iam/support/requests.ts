/**
 * What AWS authorizes for each recorded call: the IAM action, the resource ARN(s) and the
 * condition-key context, per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
 * and the services' own authorization pages, cited per entry below.
 *
 * A call whose operation has no entry here is an error, not a pass: add the entry (with its
 * citation) when a function starts making a new call.
 */
import type { AwsCall } from '../../../local/aws-calls.ts';

export interface Deployment {
  partition: string;
  region: string;
  account: string;
  /** The table's partition key attribute (functions/adapters/dynamo-table.ts). */
  partitionKey: string;
  /** SES identities verified for sending (domains or addresses); the From address's is authorized. */
  sesIdentities: string[];
}

export interface AuthorizedRequest {
  fn: string;
  action: string;
  /** `*` for actions that take no resource type. */
  resource: string;
  context: Record<string, string | string[]>;
  /** The recorded operation this request comes from (e.g. `BatchWriteItem` for one of its items). */
  operation: string;
}

export class UnmappedCallError extends Error {
  override readonly name = 'UnmappedCallError';
  readonly code = 'unmapped_call';
}

type Request = Omit<AuthorizedRequest, 'fn' | 'operation'>;
type Mapper = (input: Record<string, unknown>, world: Deployment) => Request[];

const arn = (w: Deployment, service: string, resource: string) =>
  `arn:${w.partition}:${service}:${w.region}:${w.account}:${resource}`;

// ── DynamoDB ────────────────────────────────────────────────────────────────────────────────
// Every item action is authorized on the table ARN (`table/<name>`), with `dynamodb:LeadingKeys`
// = the partition key value(s) the request touches ("Using IAM policy conditions for fine-grained
// access control", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
// BatchGetItem/BatchWriteItem are authorized per item under their own action; the items of
// TransactWriteItems/TransactGetItems under the underlying PutItem/UpdateItem/DeleteItem/GetItem
// and ConditionCheckItem, with `dynamodb:EnclosingOperation` ("Using IAM with DynamoDB
// transactions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).

/** A key attribute's string value, marshalled (`{ S: 'x' }`) or not. */
function keyValue(attribute: unknown): string {
  if (typeof attribute === 'string') return attribute;
  if (attribute && typeof attribute === 'object') {
    const { S, N, B } = attribute as { S?: string; N?: string; B?: unknown };
    if (S !== undefined) return S;
    if (N !== undefined) return N;
    if (B !== undefined) return String(B);
  }
  throw new UnmappedCallError(`cannot read a partition key value from ${JSON.stringify(attribute)}`);
}

function tableRequest(
  action: string,
  tableName: unknown,
  key: Record<string, unknown> | undefined,
  w: Deployment,
  extra: Record<string, string | string[]> = {},
): Request {
  const pk = key?.[w.partitionKey];
  if (pk === undefined) {
    throw new UnmappedCallError(`${action} on ${String(tableName)} carries no ${w.partitionKey}`);
  }
  return {
    action: `dynamodb:${action}`,
    resource: arn(w, 'dynamodb', `table/${String(tableName)}`),
    context: { 'dynamodb:LeadingKeys': [keyValue(pk)], ...extra },
  };
}

/** The partition key value a KeyConditionExpression pins (`pk = :v`, names and values resolved). */
function queryPartitionValue(input: Record<string, unknown>, w: Deployment): unknown {
  const expression = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = match[1]!.startsWith('#') ? names[match[1]!] : match[1];
    if (name === w.partitionKey) return values[match[2]!];
  }
  throw new UnmappedCallError(`Query without "${w.partitionKey} = :value": ${expression}`);
}

const itemAction =
  (action: string, keyField: 'Key' | 'Item'): Mapper =>
  (input, w) => [tableRequest(action, input.TableName, input[keyField] as Record<string, unknown>, w)];

const TRANSACT_WRITE: Record<string, [string, 'Key' | 'Item']> = {
  Put: ['PutItem', 'Item'],
  Update: ['UpdateItem', 'Key'],
  Delete: ['DeleteItem', 'Key'],
  ConditionCheck: ['ConditionCheckItem', 'Key'],
};

const dynamodb: Record<string, Mapper> = {
  GetItem: itemAction('GetItem', 'Key'),
  PutItem: itemAction('PutItem', 'Item'),
  UpdateItem: itemAction('UpdateItem', 'Key'),
  DeleteItem: itemAction('DeleteItem', 'Key'),
  Query: (input, w) => [
    tableRequest('Query', input.TableName, { [w.partitionKey]: queryPartitionValue(input, w) }, w),
  ],
  // Scan names no partition key, so no `dynamodb:LeadingKeys`: a grant with that condition cannot
  // allow it, and the table ARN is its resource ("Actions, resources, and condition keys for Amazon
  // DynamoDB": Scan, resource type table*,
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
  Scan: (input, w) => [
    {
      action: 'dynamodb:Scan',
      resource: arn(w, 'dynamodb', `table/${String(input.TableName)}`),
      context: {},
    },
  ],
  // DescribeTable, ExportTableToPointInTime: resource type table*; DescribeExport: export*
  // (`table/<name>/export/<export id>`, the ExportArn) (list_amazondynamodb.html). An export writes
  // its files with the caller's S3 permissions: "Your IAM policy needs to allow you to perform the
  // S3 actions (s3:AbortMultipartUpload, s3:PutObject, and s3:PutObjectAcl) and the DynamoDB export
  // action (dynamodb:ExportTableToPointInTime)" ("Requesting a table export in DynamoDB",
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport_Requesting.html);
  // they are evaluated on the `_started` object every export writes first under its prefix
  // (S3DataExport.Output.html).
  DescribeTable: (input, w) => [
    {
      action: 'dynamodb:DescribeTable',
      resource: arn(w, 'dynamodb', `table/${String(input.TableName)}`),
      context: {},
    },
  ],
  ExportTableToPointInTime: (input, w) => {
    const started = s3Object(
      w,
      String(input.S3Bucket),
      `${String(input.S3Prefix ?? '')}/AWSDynamoDB/_started`,
    );
    return [
      { action: 'dynamodb:ExportTableToPointInTime', resource: String(input.TableArn), context: {} },
      ...['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'].map((action) => ({
        action,
        resource: started,
        context: {},
      })),
    ];
  },
  DescribeExport: (input) => [
    { action: 'dynamodb:DescribeExport', resource: String(input.ExportArn), context: {} },
  ],
  BatchGetItem: (input, w) =>
    Object.entries(input.RequestItems as Record<string, { Keys: Record<string, unknown>[] }>).flatMap(
      ([table, { Keys }]) => Keys.map((key) => tableRequest('BatchGetItem', table, key, w)),
    ),
  BatchWriteItem: (input, w) =>
    Object.entries(
      input.RequestItems as Record<
        string,
        { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]
      >,
    ).flatMap(([table, writes]) =>
      writes.map((write) =>
        tableRequest('BatchWriteItem', table, write.PutRequest?.Item ?? write.DeleteRequest?.Key, w),
      ),
    ),
  TransactWriteItems: (input, w) =>
    (input.TransactItems as Record<string, { TableName: string } & Record<string, unknown>>[]).map((item) => {
      const [kind, body] = Object.entries(item)[0] ?? [];
      const mapped = kind ? TRANSACT_WRITE[kind] : undefined;
      if (!mapped || !body) throw new UnmappedCallError(`TransactWriteItems item ${kind}`);
      const [action, keyField] = mapped;
      return tableRequest(action, body.TableName, body[keyField] as Record<string, unknown>, w, {
        'dynamodb:EnclosingOperation': 'TransactWriteItems',
      });
    }),
  TransactGetItems: (input, w) =>
    (input.TransactItems as { Get: { TableName: string; Key: Record<string, unknown> } }[]).map(({ Get }) =>
      tableRequest('GetItem', Get.TableName, Get.Key, w, {
        'dynamodb:EnclosingOperation': 'TransactGetItems',
      }),
    ),
};

// ── Step Functions ──────────────────────────────────────────────────────────────────────────
// A start on a version or alias ARN is authorized against the *unqualified* state machine ARN, the
// qualifier going to `states:StateMachineQualifier` ("Authorization for versions and aliases in Step
// Functions workflows", https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html;
// aws-cdk PR 26546: "StartExecution only has resource-level permissions on the unqualified state
// machine ARN"). Stop/DescribeExecution take the execution ARN; the task-token actions list no
// resource type in the Service Authorization Reference (list_awsstepfunctions.html), so they are
// authorized on "*".

/** `arn:aws:states:r:a:stateMachine:name[:qualifier]` → [unqualified ARN, qualifier?]. */
export function splitQualifier(stateMachineArn: string): [string, string | undefined] {
  const parts = stateMachineArn.split(':');
  if (parts[5] !== 'stateMachine' || parts.length < 7 || parts.length > 8) {
    throw new UnmappedCallError(`not a state machine ARN: ${stateMachineArn}`);
  }
  return [parts.slice(0, 7).join(':'), parts[7]];
}

const taskToken =
  (action: string): Mapper =>
  () => [{ action: `states:${action}`, resource: '*', context: {} }];
const onExecution =
  (action: string): Mapper =>
  (input) => [{ action: `states:${action}`, resource: String(input.executionArn), context: {} }];

const states: Record<string, Mapper> = {
  StartExecution: (input): Request[] => {
    const [resource, qualifier] = splitQualifier(String(input.stateMachineArn));
    return [
      {
        action: 'states:StartExecution',
        resource,
        context: qualifier ? { 'states:StateMachineQualifier': [qualifier] } : {},
      },
    ];
  },
  StopExecution: onExecution('StopExecution'),
  DescribeExecution: onExecution('DescribeExecution'),
  SendTaskSuccess: taskToken('SendTaskSuccess'),
  SendTaskFailure: taskToken('SendTaskFailure'),
  SendTaskHeartbeat: taskToken('SendTaskHeartbeat'),
};

// ── SES v2 ──────────────────────────────────────────────────────────────────────────────────
// SendEmail's resource types (list_amazonsimpleemailservicev2.html): `identity` (required), and
// `configuration-set` and `template` when the request names them; the caller needs the action on
// each. The identity is the one the From address belongs to (the address itself when it is a
// verified identity, else its domain), or FromEmailAddressIdentityArn when given (sending
// authorization, https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-delegate-sender-tasks-email.html).

/** `Name <local@domain>` or `local@domain` → `local@domain`. */
function address(from: string): string {
  return (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();
}

const ses: Record<string, Mapper> = {
  SendEmail: (input, w) => {
    const from = address(String(input.FromEmailAddress ?? ''));
    const domain = from.split('@')[1] ?? '';
    const identity = w.sesIdentities.includes(from) ? from : domain;
    const requests: Request[] = [
      {
        action: 'ses:SendEmail',
        resource: input.FromEmailAddressIdentityArn
          ? String(input.FromEmailAddressIdentityArn)
          : arn(w, 'ses', `identity/${identity}`),
        context: { 'ses:FromAddress': from },
      },
    ];
    if (input.ConfigurationSetName) {
      requests.push({
        action: 'ses:SendEmail',
        resource: arn(w, 'ses', `configuration-set/${String(input.ConfigurationSetName)}`),
        context: { 'ses:FromAddress': from },
      });
    }
    const template = (input.Content as { Template?: { TemplateName?: string } } | undefined)?.Template;
    if (template?.TemplateName) {
      requests.push({
        action: 'ses:SendEmail',
        resource: arn(w, 'ses', `template/${template.TemplateName}`),
        context: { 'ses:FromAddress': from },
      });
    }
    return requests;
  },
};

// ── Pinpoint / End User Messaging ───────────────────────────────────────────────────────────
// SendMessages: resource type `messages`, `apps/<app id>/messages` (list_amazonpinpoint.html).
const mobiletargeting: Record<string, Mapper> = {
  SendMessages: (input, w) => [
    {
      action: 'mobiletargeting:SendMessages',
      resource: arn(w, 'mobiletargeting', `apps/${String(input.ApplicationId)}/messages`),
      context: {},
    },
  ],
};

// ── Secrets Manager ─────────────────────────────────────────────────────────────────────────
// GetSecretValue: resource type `Secret`, the full secret ARN (list_awssecretsmanager.html). A
// secret named by its friendly name is authorized against its full ARN, random suffix included,
// which the caller does not know: Herald passes the ARN.
const secretsmanager: Record<string, Mapper> = {
  GetSecretValue: (input) => {
    const id = String(input.SecretId);
    if (!id.startsWith('arn:')) throw new UnmappedCallError(`GetSecretValue by name (${id}): pass the ARN`);
    return [
      { action: 'secretsmanager:GetSecretValue', resource: id, context: { 'secretsmanager:SecretId': id } },
    ];
  },
};

// ── EventBridge Scheduler ───────────────────────────────────────────────────────────────────
// CreateSchedule, DeleteSchedule, GetSchedule: resource type `schedule`,
// `arn:…:scheduler:<region>:<account>:schedule/<group>/<name>` (no group: `default`); CreateSchedule
// also authorizes iam:PassRole on the target's role with iam:PassedToService =
// scheduler.amazonaws.com (Service Authorization Reference, "Actions, resources, and condition keys
// for Amazon EventBridge Scheduler", API operations table:
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html).
const onSchedule =
  (action: string): Mapper =>
  (input, w) => [
    {
      action: `scheduler:${action}`,
      resource: arn(w, 'scheduler', `schedule/${String(input.GroupName ?? 'default')}/${String(input.Name)}`),
      context: {},
    },
  ];

const schedulerOperations: Record<string, Mapper> = {
  CreateSchedule: (input, w) => {
    const roleArn = (input.Target as { RoleArn?: string } | undefined)?.RoleArn;
    if (!roleArn) throw new UnmappedCallError('CreateSchedule without Target.RoleArn');
    return [
      ...onSchedule('CreateSchedule')(input, w),
      {
        action: 'iam:PassRole',
        resource: roleArn,
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      },
    ];
  },
  DeleteSchedule: onSchedule('DeleteSchedule'),
  GetSchedule: onSchedule('GetSchedule'),
};

// ── What Scheduler itself does with the scheduler role ──────────────────────────────────────
// A Lambda target: lambda:InvokeFunction on the function ARN (qualified when a version or alias is
// named; list_awslambda.html). A dead letter: sqs:SendMessage on the queue ARN (list_amazonsqs.html;
// "Configuring a schedule's dead-letter queue", execution role permissions,
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
const lambdaOperations: Record<string, Mapper> = {
  Invoke: (input) => {
    const name = String(input.FunctionName);
    if (!name.startsWith('arn:')) throw new UnmappedCallError(`Invoke by name (${name}): pass the ARN`);
    return [{ action: 'lambda:InvokeFunction', resource: name, context: {} }];
  },
};

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → `arn:aws:sqs:<region>:<account>:<name>`. */
function queueArn(url: string, w: Deployment): string {
  const match = /^https:\/\/sqs\.([a-z0-9-]+)\.[^/]+\/(\d{12})\/([\w-]+)$/.exec(url);
  if (!match) throw new UnmappedCallError(`not an SQS queue URL: ${url}`);
  return `arn:${w.partition}:sqs:${match[1]}:${match[2]}:${match[3]}`;
}

const sqsOperations: Record<string, Mapper> = {
  SendMessage: (input, w) => [
    { action: 'sqs:SendMessage', resource: queueArn(String(input.QueueUrl), w), context: {} },
  ],
};

// ── S3 ──────────────────────────────────────────────────────────────────────────────────────
// GetObject, PutObject, AbortMultipartUpload, PutObjectAcl: resource type object
// (`arn:aws:s3:::<bucket>/<key>`); ListObjectsV2 is authorized as s3:ListBucket on the bucket
// (`arn:aws:s3:::<bucket>`), its Prefix in the condition key s3:prefix ("Actions, resources, and
// condition keys for Amazon S3", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
function s3Object(w: Deployment, bucket: string, key: string): string {
  return `arn:${w.partition}:s3:::${bucket}/${key}`;
}

const onObject =
  (action: string): Mapper =>
  (input, w) => [
    { action: `s3:${action}`, resource: s3Object(w, String(input.Bucket), String(input.Key)), context: {} },
  ];

const s3Operations: Record<string, Mapper> = {
  GetObject: onObject('GetObject'),
  PutObject: onObject('PutObject'),
  ListObjectsV2: (input, w) => [
    {
      action: 's3:ListBucket',
      resource: `arn:${w.partition}:s3:::${String(input.Bucket)}`,
      context: (input.Prefix === undefined ? {} : { 's3:prefix': String(input.Prefix) }) as Record<
        string,
        string
      >,
    },
  ],
};

/** SDK client name → IAM service prefix and its operations. */
export const SERVICES: Record<string, { prefix: string; operations: Record<string, Mapper> }> = {
  DynamoDBClient: { prefix: 'dynamodb', operations: dynamodb },
  SFNClient: { prefix: 'states', operations: states },
  SESv2Client: { prefix: 'ses', operations: ses },
  PinpointClient: { prefix: 'mobiletargeting', operations: mobiletargeting },
  SecretsManagerClient: { prefix: 'secretsmanager', operations: secretsmanager },
  SchedulerClient: { prefix: 'scheduler', operations: schedulerOperations },
  LambdaClient: { prefix: 'lambda', operations: lambdaOperations },
  SQSClient: { prefix: 'sqs', operations: sqsOperations },
  S3Client: { prefix: 's3', operations: s3Operations },
};

export function authorizedRequests(call: AwsCall, world: Deployment): AuthorizedRequest[] {
  const service = SERVICES[call.client];
  const mapper = service?.operations[call.operation];
  if (!mapper) {
    throw new UnmappedCallError(
      `${call.fn} calls ${call.client}.${call.operation}, which test/iam/support/requests.ts does not map to what AWS authorizes: add it, citing the Service Authorization Reference`,
    );
  }
  return mapper(call.input, world).map((r) => ({ ...r, fn: call.fn, operation: call.operation }));
}
