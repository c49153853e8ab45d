/**
 * The product catalog's writer: the Lambda behind `PUT /products` and the one grant it needs.
 *
 * It writes products with BatchWriteItem (functions/adapters/dynamo-catalog.ts) and reads nothing,
 * so its role allows exactly that, on the table, for items whose partition key is `PRODUCT#…`:
 * BatchWriteItem takes the `dynamodb:LeadingKeys` condition key (ArrayOfString; Service
 * Authorization Reference, "Actions, resources, and condition keys for Amazon DynamoDB",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
 * `ForAllValues` alone is also true for a request that lacks the key (IAM User Guide,
 * "Single-valued vs. multivalued context keys"), hence the Null check that the key is present.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PRODUCT_KEY_PREFIX } from '../../functions/adapters/dynamo-table.ts';
import { HeraldFunction } from './herald-function.ts';

export interface ProductCatalogProps {
  table: dynamodb.ITable;
  /** Where the Lambda entry points live (herald-stack.ts HANDLERS_DIR). */
  handlersDir: string;
  logLevel: string;
  removalPolicy: RemovalPolicy;
}

export class ProductCatalog extends Construct {
  readonly writer: HeraldFunction;

  constructor(scope: Construct, id: string, props: ProductCatalogProps) {
    super(scope, id);
    this.writer = new HeraldFunction(this, 'Catalog', {
      entry: `${props.handlersDir}/catalog.ts`,
      description: 'Product catalog: validate and write PUT /products batches',
      // Below the HTTP API's 30 s integration limit, like ingest.
      timeout: Duration.seconds(25),
      environment: { TABLE_NAME: props.table.tableName },
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    });
    this.writer.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchWriteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${PRODUCT_KEY_PREFIX}*`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
  }
}
