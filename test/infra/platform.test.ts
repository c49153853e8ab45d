import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NODE_RUNTIME } from '../../infra/constructs/herald-function.ts';
import { synthHerald } from './synth.ts';

const { template, stack } = synthHerald();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('data', () => {
  it('keeps one pk/sk table with point-in-time recovery, encryption and TTL on expiresAt', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('can be destroyed outside production', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('is protected and retained when context says production', () => {
    const production = synthHerald({ context: { production: 'true' } }).template;
    production.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    production.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });
});

describe('functions', () => {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));

  it('runs every function on the newest Node.js runtime, arm64, traced, with source maps and Powertools settings', () => {
    expect(NODE_RUNTIME.name).toBe('nodejs24.x');
    expect(functions).toHaveLength(8); // ingest, step, feedback, unsubscribe, catalog, control, privacy, audience
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: expect.stringMatching(
              /^(ingest|step|feedback|unsubscribe|catalog|control|privacy|audience)$/,
            ),
            POWERTOOLS_METRICS_NAMESPACE: 'Herald',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            TABLE_NAME: { Ref: logicalId(stack.table) },
          }),
        },
      });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('gives every function a log group with retention', () => {
    for (const fn of Object.values(stack.functions)) {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        RetentionInDays: 30,
      });
      expect(template.toJSON().Resources[logicalId(fn.logGroup)]).toBeDefined();
    }
  });

  it('sends async invocations that fail every retry to an encrypted, TLS-only queue', () => {
    for (const fn of [stack.functions.ingest, stack.functions.feedback]) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(fn.fn) },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(fn.failureQueue!), 'Arn'] } },
        },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
        Queues: [{ Ref: logicalId(fn.failureQueue!) }],
      });
    }
  });

  it('tells ingest and step where the bundled, validated journeys are', () => {
    const resources = template.toJSON().Resources;
    for (const fn of [stack.functions.ingest, stack.functions.step]) {
      expect(resources[logicalId(fn.fn)].Properties.Environment.Variables.JOURNEYS_FILE).toBe(
        '/var/task/journeys.json',
      );
    }
  });
});

describe('messaging', () => {
  it('sends SES events of a configuration set with reputation metrics to the default bus', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint', 'delivery', 'open', 'click']),
      }),
    });
    const [destination] = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination'));
    expect(JSON.stringify(destination?.Properties.EventDestination.EventBridgeDestination)).toContain(
      ':event-bus/default',
    );
  });

  it('feeds this configuration set’s SES events to the feedback Lambda', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: Match.anyValue() }] } } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.functions.feedback.fn), 'Arn'] } })],
    });
  });

  it('creates the Pinpoint app for SMS and push when no app id is given, and uses the given one otherwise', () => {
    template.resourceCountIs('AWS::Pinpoint::App', 1);
    template.hasResourceProperties('AWS::Pinpoint::SMSChannel', { Enabled: true });
    const existing = synthHerald({ context: { pinpointAppId: 'abc123' } }).template;
    existing.resourceCountIs('AWS::Pinpoint::App', 0);
    existing.resourceCountIs('AWS::Pinpoint::EventStream', 0);
    expect(JSON.stringify(existing.toJSON())).toContain(':apps/abc123/messages');
  });

  it('streams the app’s SMS and push events to an encrypted Kinesis stream read by feedback', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    template.hasResourceProperties('AWS::Pinpoint::EventStream', {
      ApplicationId: { Ref: stack.getLogicalId(stack.messaging.node.findChild('App') as never) },
      DestinationStreamArn: { 'Fn::GetAtt': [logicalId(stack.messaging.eventStream!), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions.feedback.fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.messaging.eventStream!), 'Arn'] },
      BisectBatchOnFunctionError: true,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [logicalId(stack.functions.feedback.failureQueue!), 'Arn'] },
        },
      },
    });
  });

  it('sends inbound SMS replies (STOP) from an encrypted topic only End User Messaging may publish to, to feedback', () => {
    const topic = logicalId(stack.messaging.inboundSmsTopic);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topic },
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [logicalId(stack.functions.feedback.fn), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sns:Publish',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    expect(template.toJSON().Resources[topic].Properties.KmsMasterKeyId).toBeDefined();
  });

  it('asks for sender and origination identities as parameters when context does not give them', () => {
    const bare = synthHerald({
      context: { senderIdentity: undefined, fromAddress: undefined, smsOriginationIdentity: undefined },
    }).template;
    bare.hasParameter('SenderIdentity', { Type: 'String' });
    bare.hasParameter('FromAddress', { Type: 'String' });
    bare.hasParameter('SmsOriginationIdentity', { Type: 'String', Default: '' });
    const given = Object.keys(template.toJSON().Parameters ?? {});
    expect(
      given.filter((p) => ['SenderIdentity', 'FromAddress', 'SmsOriginationIdentity'].includes(p)),
    ).toEqual([]);
  });
});

describe('API and event buses', () => {
  it('authorises POST /events with IAM (SigV4) and sends it to ingest', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /events',
      AuthorizationType: 'AWS_IAM',
    });
  });

  it('serves GET and POST /unsubscribe publicly (the handler checks the signed token)', () => {
    for (const method of ['GET', 'POST']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${method} /unsubscribe`,
        AuthorizationType: 'NONE',
      });
    }
  });

  it('writes access logs without IP addresses or query strings', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format: string = stage?.Properties.AccessLogSettings.Format;
    expect(format).toContain('$context.requestId');
    expect(format).not.toMatch(/sourceIp|querystring/i);
  });

  it('feeds every event on the customer bus to ingest, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(stack.customerEventBus) },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack.functions.ingest.fn), 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [logicalId(stack.functions.ingest.failureQueue!), 'Arn'] },
          },
        }),
      ],
    });
  });
});
