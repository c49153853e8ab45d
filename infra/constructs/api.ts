/**
 * The HTTP edge: `POST /events` for producers, `PUT /products` for the catalog,
 * `PUT /journeys/{id}/control`, `DELETE /customers/{id}` and `GET /customers/{id}/export` for operators, all
 * IAM-authorised (callers sign with SigV4 and need `execute-api:Invoke` on the route: "Control
 * access to HTTP APIs with IAM authorization in API Gateway",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html),
 * the Segment-compatible `POST /v1/track|identify|batch` (public: authorised by the Segment write key
 * the ingest handler checks), and the public one-click unsubscribe endpoints (`GET` shows the page, `POST` is RFC 8058's
 * one-click), whose signed token the handler verifies.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export const EVENTS_PATH = '/events';
export const UNSUBSCRIBE_PATH = '/unsubscribe';
export const PRODUCTS_PATH = '/products';
/** Segment's HTTP tracking API paths (functions/handlers/segment.ts), served by the ingest Lambda. */
export const SEGMENT_PATHS = ['/v1/track', '/v1/identify', '/v1/batch'];
/** `{id}` arrives as `pathParameters.id` (payload format 2.0: "Create AWS Lambda proxy integrations for
 * HTTP APIs", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). */
export const CONTROL_PATH = '/journeys/{id}/control';
/** Erase (`DELETE`) and export (`GET …/export`) one customer (functions/handlers/privacy.ts). */
export const CUSTOMER_PATH = '/customers/{id}';
export const CUSTOMER_EXPORT_PATH = '/customers/{id}/export';

export interface HeraldApiProps {
  ingest: lambda.IFunction;
  unsubscribe: lambda.IFunction;
  catalog: lambda.IFunction;
  control: lambda.IFunction;
  privacy: lambda.IFunction;
  removalPolicy: RemovalPolicy;
}

export class HeraldApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** `https://<id>.execute-api.<region>.amazonaws.com` */
  readonly endpoint: string;
  /** Base of the links the step Lambda signs into every message. */
  readonly unsubscribeUrl: string;
  readonly accessLogs: logs.LogGroup;
  readonly eventsRoutes: apigw.HttpRoute[];
  readonly unsubscribeRoutes: apigw.HttpRoute[];
  readonly productsRoutes: apigw.HttpRoute[];
  readonly controlRoutes: apigw.HttpRoute[];
  readonly segmentRoutes: apigw.HttpRoute[];
  readonly customerRoutes: apigw.HttpRoute[];

  constructor(scope: Construct, id: string, props: HeraldApiProps) {
    super(scope, id);

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Herald: customer events and the product catalog in, one-click unsubscribe',
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // No source IP, no query string (the unsubscribe token), no body: nothing personal.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            route: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            error: '$context.error.message',
            caller: '$context.identity.caller',
          }),
        ),
      },
    });
    this.endpoint = this.httpApi.apiEndpoint;
    this.unsubscribeUrl = `${this.httpApi.apiEndpoint}${UNSUBSCRIBE_PATH}`;

    this.eventsRoutes = this.httpApi.addRoutes({
      path: EVENTS_PATH,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Ingest', props.ingest),
      authorizer: new HttpIamAuthorizer(),
    });

    // Segment cannot sign SigV4: these routes are public, and the ingest handler answers 401 to any
    // request without the write key (Secrets Manager; compared in constant time).
    const segmentIntegration = new HttpLambdaIntegration('Segment', props.ingest);
    this.segmentRoutes = SEGMENT_PATHS.flatMap((path) =>
      this.httpApi.addRoutes({ path, methods: [apigw.HttpMethod.POST], integration: segmentIntegration }),
    );
    for (const route of this.segmentRoutes) {
      acknowledge(
        route,
        'APIG4',
        'Segment posts with its write key as HTTP basic auth and cannot sign SigV4; the ingest handler refuses (401) any request whose write key does not match the SegmentWriteKey secret.',
      );
    }

    // The catalog is written by operators and shop back-ends, never by the public: IAM like /events.
    this.productsRoutes = this.httpApi.addRoutes({
      path: PRODUCTS_PATH,
      methods: [apigw.HttpMethod.PUT],
      integration: new HttpLambdaIntegration('Catalog', props.catalog),
      authorizer: new HttpIamAuthorizer(),
    });

    // Pausing, draining or stopping a journey is an operator's act: IAM like /products.
    this.controlRoutes = this.httpApi.addRoutes({
      path: CONTROL_PATH,
      methods: [apigw.HttpMethod.PUT],
      integration: new HttpLambdaIntegration('Control', props.control),
      authorizer: new HttpIamAuthorizer(),
    });

    // Erasing or exporting a customer is an operator's act on personal data: IAM like /products.
    const privacy = new HttpLambdaIntegration('Privacy', props.privacy);
    this.customerRoutes = [
      ...this.httpApi.addRoutes({
        path: CUSTOMER_PATH,
        methods: [apigw.HttpMethod.DELETE],
        integration: privacy,
        authorizer: new HttpIamAuthorizer(),
      }),
      ...this.httpApi.addRoutes({
        path: CUSTOMER_EXPORT_PATH,
        methods: [apigw.HttpMethod.GET],
        integration: privacy,
        authorizer: new HttpIamAuthorizer(),
      }),
    ];

    this.unsubscribeRoutes = this.httpApi.addRoutes({
      path: UNSUBSCRIBE_PATH,
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Unsubscribe', props.unsubscribe),
    });
    for (const route of this.unsubscribeRoutes) {
      acknowledge(
        route,
        'APIG4',
        'One-click unsubscribe (RFC 8058) is followed by mail providers and customers without credentials; the handler rejects any request whose HMAC-signed token does not verify.',
      );
    }
  }
}
