/**
 * Journey controls: the Lambda behind `PUT /journeys/{id}/control` and its one grant.
 *
 * It reads and writes one item per journey, `JOURNEY#<id>` / `CONTROL`
 * (functions/adapters/dynamo-controls.ts: GetItem, then a version-conditioned PutItem), so its role
 * allows exactly those two actions on items whose partition key starts with `JOURNEY#`. GetItem and
 * PutItem take the `dynamodb:LeadingKeys` condition key (Service Authorization Reference, "Actions,
 * resources, and condition keys for Amazon DynamoDB",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html;
 * "Using IAM policy conditions for fine-grained access control",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
 * Ingest and the step function read the same item (GetItem, granted in herald-stack.ts).
 *
 * The control is data in the table, not configuration: a deploy replaces code and the journeys
 * bundle, never the items, so a paused journey stays paused across deploys.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { HeraldFunction } from './herald-function.ts';
import { grantItems, PK } from './table-access.ts';

export interface JourneyControlsProps {
  table: dynamodb.ITable;
  /** Where the Lambda entry points live (herald-stack.ts HANDLERS_DIR). */
  handlersDir: string;
  /** The validated journeys bundle: the control refuses ids this deploy does not run. */
  journeysFile: { source: string; name: string };
  logLevel: string;
  removalPolicy: RemovalPolicy;
}

export class JourneyControls extends Construct {
  readonly fn: HeraldFunction;

  constructor(scope: Construct, id: string, props: JourneyControlsProps) {
    super(scope, id);
    this.fn = new HeraldFunction(this, 'Control', {
      entry: `${props.handlersDir}/control.ts`,
      description: 'Journey controls: pause, resume, drain, stop (PUT /journeys/{id}/control)',
      // Below the HTTP API's 30 s integration limit, like ingest.
      timeout: Duration.seconds(10),
      extraFiles: [props.journeysFile],
      environment: {
        TABLE_NAME: props.table.tableName,
        JOURNEYS_FILE: `/var/task/${props.journeysFile.name}`,
      },
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    });
    grantItems(props.table, this.fn.fn, [{ actions: ['GetItem', 'PutItem'], prefixes: [PK.journey] }]);
  }
}
