/**
 * Customer privacy: the Lambda behind `DELETE /customers/{id}` (erase) and
 * `GET /customers/{id}/export`, the pseudonym key, and their grants.
 *
 * What the function touches (functions/adapters/dynamo-privacy.ts, engine/privacy/customer-data.ts):
 * - the customer's partitions `C#` and `SEND#`: Query (list every kind), GetItem (profile), DeleteItem;
 * - `MSG#` (feedback index, found from the ledger) and `PHONE#` (found from the profile): DeleteItem only;
 * - `ERASED#` (tombstones: the protocol state): GetItem, PutItem; `ANON#` (the pseudonymised ledger)
 *   and `AUDIT#` (the audit record): PutItem only — it never reads them back.
 * GetItem, PutItem, DeleteItem and Query all take `dynamodb:LeadingKeys` (Service Authorization
 * Reference, "Actions, resources, and condition keys for Amazon DynamoDB",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html), so
 * each grant is scoped by partition key prefix (constructs/table-access.ts).
 * - StopExecution on the journeys' executions (`grantStopRuns`, once the journeys exist): the
 *   execution ARN is the resource type of StopExecution in the same reference for Step Functions
 *   (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html).
 * - `RUN#` (scale-mode runs): Query, UpdateItem (end the run), DeleteItem; `DUE#` (their due index):
 *   Query, DeleteItem. DeleteSchedule on the timer group's schedules (`grantDisarmTimers`, with
 *   scale mode): the `schedule` resource type, `arn:${Partition}:scheduler:${Region}:${Account}:schedule/${GroupName}/${ScheduleName}`
 *   (Service Authorization Reference, "Actions, resources, and condition keys for Amazon EventBridge
 *   Scheduler", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html;
 *   the ARN pattern also in ScheduleSummary, https://docs.aws.amazon.com/scheduler/latest/APIReference/API_ScheduleSummary.html).
 * - GetSecretValue on the pseudonym key only (list_awssecretsmanager.html: the Secret resource type).
 * Ingest reads the same key and the tombstones (`grantTombstoneCheck`).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, wildcardResource } from '../nag.ts';
import { HeraldFunction } from './herald-function.ts';
import type { JourneyStateMachine } from './journey-state-machine.ts';
import type { ScaleMode } from './scale-mode.ts';
import { grantItems, PK } from './table-access.ts';

export interface CustomerPrivacyProps {
  table: dynamodb.ITable;
  handlersDir: string;
  /** Where the journeys' state machines are (ingest's STATE_MACHINE_ARN_PREFIX and alias). */
  stateMachineArnPrefix: string;
  stateMachineAlias: string;
  environment: Record<string, string>;
  logLevel: string;
  removalPolicy: RemovalPolicy;
}

export class CustomerPrivacy extends Construct {
  readonly fn: HeraldFunction;
  readonly key: secretsmanager.Secret;
  private readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: CustomerPrivacyProps) {
    super(scope, id);
    this.table = props.table;
    this.key = new secretsmanager.Secret(this, 'PrivacyKey', {
      description: 'HMAC key of customer pseudonyms and tombstones (erasure); never rotate it',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.key,
      'SMG4',
      'Tombstones and pseudonymised ledger items are keyed by HMACs under this key: a rotated key could no longer find an erased customer, whose events would then be accepted again.',
    );
    this.fn = new HeraldFunction(this, 'Privacy', {
      entry: `${props.handlersDir}/privacy.ts`,
      description: 'Customer privacy: erase (DELETE /customers/{id}) and export (GET /customers/{id}/export)',
      // Below the HTTP API's 30 s integration limit; an erasure that runs longer resumes when called again.
      timeout: Duration.seconds(28),
      memorySize: 512,
      environment: {
        ...props.environment,
        TABLE_NAME: props.table.tableName,
        STATE_MACHINE_ARN_PREFIX: props.stateMachineArnPrefix,
        STATE_MACHINE_ALIAS: props.stateMachineAlias,
        PRIVACY_KEY_SECRET_ARN: this.key.secretArn,
      },
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    });
    grantItems(props.table, this.fn.fn, [
      { actions: ['GetItem', 'Query', 'DeleteItem'], prefixes: [PK.customer, PK.send] },
      { actions: ['DeleteItem'], prefixes: [PK.message, PK.phone] },
      { actions: ['GetItem', 'PutItem'], prefixes: [PK.erased] },
      { actions: ['PutItem'], prefixes: [PK.anon, PK.audit] },
      // Scale mode: list the customer's runs, end each (the run protocol's `exit`), delete it and
      // its due-index entries (found by Query on the run's shard).
      { actions: ['Query', 'UpdateItem', 'DeleteItem'], prefixes: [PK.run] },
      { actions: ['Query', 'DeleteItem'], prefixes: [PK.due] },
    ]);
    this.fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.key.secretArn],
      }),
    );
  }

  /** Erasure stops the customer's open runs: executions of the journeys' own state machines only. */
  grantStopRuns(journeys: readonly JourneyStateMachine[]): void {
    if (journeys.length === 0) return;
    this.fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: journeys.map((j) => j.executionArns),
      }),
    );
    for (const journey of journeys) {
      acknowledge(
        this.fn.role,
        wildcardResource(this, journey.executionArns),
        `Execution names are only known at run time: StopExecution is limited to executions of journey ${journey.journey.id}'s own state machine.`,
      );
    }
  }

  /**
   * Scale mode: erasure deletes each run's pending schedule in the timer group (DeleteSchedule takes
   * the name and the group only: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html).
   */
  grantDisarmTimers(scale: ScaleMode): void {
    this.fn.fn.addEnvironment('SCHEDULE_GROUP', scale.timerEnvironment.SCHEDULE_GROUP!);
    scale.grantDisarmTimers(this.fn.fn);
  }

  /** Ingest refuses erased customers' events: it reads their tombstones and lifts one on re-consent. */
  grantTombstoneCheck(ingest: HeraldFunction): void {
    ingest.fn.addEnvironment('PRIVACY_KEY_SECRET_ARN', this.key.secretArn);
    // The customer's tombstone and their addresses' ride along in ingest's BatchGetItem of the
    // profile, products and controls (dynamo-privacy.ts `tombstoneRead`; its statement, with
    // `ERASED#`, is in herald-stack.ts). An address owner's tombstone is read with GetItem, a
    // lifted one written with PutItem.
    grantItems(this.table, ingest.fn, [{ actions: ['GetItem', 'PutItem'], prefixes: [PK.erased] }]);
    ingest.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.key.secretArn],
      }),
    );
  }
}
