/**
 * The sending side: an SES configuration set whose events (bounce, complaint, delivery, open, click…)
 * go to the default EventBridge bus, and the Pinpoint / End User Messaging application used for SMS
 * and push, whose event stream (SMS/push delivery, invalid tokens) goes to a Kinesis stream, plus an
 * SNS topic for inbound SMS (STOP replies) once two-way SMS points at it. The sender identity, origination identity and an existing app id come from context or
 * CloudFormation parameters; nothing account-specific is written here.
 */
import { CfnParameter, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as pinpoint from 'aws-cdk-lib/aws-pinpoint';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../config.ts';

/** The SES event types Herald's feedback handler acts on. */
export const SES_EVENTS: ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.DELIVERY_DELAY,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.SUBSCRIPTION,
];

export class Messaging extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  /** SES identity (domain or address) the From address belongs to. */
  readonly senderIdentity: string;
  readonly fromAddress: string;
  /** Empty string ⇒ let End User Messaging pick an origination identity. */
  readonly smsOriginationIdentity: string;
  readonly pinpointAppId: string;
  /** `arn:…:mobiletargeting:<region>:<account>:apps/<id>/messages` — the only SendMessages resource. */
  readonly pinpointMessagesArn: string;
  /** SES resources SendEmail is allowed on: the identity, the configuration set, sandbox recipients. */
  readonly sesSendResources: string[];
  /** SMS and push events of the app created here (undefined for an existing app: see the README, "Deploy to AWS"). */
  readonly eventStream?: kinesis.Stream;
  /** Two-way SMS destination: inbound replies (STOP, HELP) are published here. */
  readonly inboundSmsTopic: sns.Topic;

  constructor(scope: Construct, id: string, config: HeraldConfig) {
    super(scope, id);
    const stack = Stack.of(this);

    this.senderIdentity =
      config.senderIdentity ??
      new CfnParameter(stack, 'SenderIdentity', {
        type: 'String',
        minLength: 3,
        description:
          'The verified SES identity (domain or address) Herald sends e-mail from, e.g. example.com.',
      }).valueAsString;
    this.fromAddress =
      config.fromAddress ??
      new CfnParameter(stack, 'FromAddress', {
        type: 'String',
        minLength: 3,
        description:
          'The From address of every e-mail, e.g. "Acme <hello@example.com>"; must belong to SenderIdentity.',
      }).valueAsString;
    this.smsOriginationIdentity =
      config.smsOriginationIdentity ??
      new CfnParameter(stack, 'SmsOriginationIdentity', {
        type: 'String',
        default: '',
        description:
          'SMS origination identity: an E.164 phone number, a sender id or a pool ARN (empty: account default).',
      }).valueAsString;

    // ── Email: configuration set → default EventBridge bus (the only bus SES can target) ──────
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: SES_EVENTS,
    });

    this.sesSendResources = [
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: this.senderIdentity }),
      stack.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.configurationSet.configurationSetName,
      }),
      ...config.sesSandboxRecipients.map((recipient) =>
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: recipient }),
      ),
    ];

    // ── SMS and push: an existing app when given, else one created here ─────────────────────
    if (config.pinpointAppId) {
      this.pinpointAppId = config.pinpointAppId;
    } else {
      const app = new pinpoint.CfnApp(this, 'App', { name: `${stack.stackName}-messaging` });
      this.pinpointAppId = app.ref;
      // SMS channel on; APNs/FCM need credentials and are configured by hand (README, "Deploy to AWS").
      const sms = new pinpoint.CfnSMSChannel(this, 'SmsChannel', { applicationId: app.ref, enabled: true });
      // Delivery receipts and invalid push tokens arrive only on the app's event stream. The AWS
      // managed Kinesis key keeps records encrypted without per-producer KMS grants.
      this.eventStream = new kinesis.Stream(this, 'EventStream', {
        shardCount: 1,
        encryption: kinesis.StreamEncryption.MANAGED,
        retentionPeriod: Duration.days(1),
      });
      const streamRole = new iam.Role(this, 'EventStreamRole', {
        assumedBy: new iam.ServicePrincipal('pinpoint.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: {
              'aws:SourceArn': stack.formatArn({
                service: 'mobiletargeting',
                resource: 'apps',
                resourceName: '*',
              }),
            },
          },
        }),
        description: 'Lets End User Messaging write the Herald app events to Kinesis',
      });
      streamRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kinesis:PutRecords', 'kinesis:DescribeStream'],
          resources: [this.eventStream.streamArn],
        }),
      );
      const eventStream = new pinpoint.CfnEventStream(this, 'AppEventStream', {
        applicationId: app.ref,
        destinationStreamArn: this.eventStream.streamArn,
        roleArn: streamRole.roleArn,
      });
      for (const resource of [app, sms, eventStream]) {
        Validations.of(resource).acknowledge({
          id: 'CloudFormation-Validate::W3696',
          reason:
            "Amazon Pinpoint's end of support (2026-10-30) covers its engagement features (segments, campaigns, journeys); the application, SMS/push channel and SendMessages APIs Herald uses continue under AWS End User Messaging.",
        });
      }
    }
    // ── Inbound SMS: two-way SMS publishes replies here (the README, "Deploy to AWS", shows how to point it) ──
    // Replies carry phone numbers and text: encrypted with a key End User Messaging may use.
    const inboundKey = new kms.Key(this, 'InboundSmsKey', {
      description: 'Herald inbound SMS topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    inboundKey.grant(
      new iam.ServicePrincipal('sms-voice.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.inboundSmsTopic = new sns.Topic(this, 'InboundSms', { masterKey: inboundKey, enforceSSL: true });
    this.inboundSmsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        resources: [this.inboundSmsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.pinpointMessagesArn = stack.formatArn({
      service: 'mobiletargeting',
      resource: 'apps',
      resourceName: `${this.pinpointAppId}/messages`,
    });
  }

  /** ses:SendEmail on the identity and configuration set only (never `*`). */
  grantSendEmail(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: this.sesSendResources }),
    );
  }

  /** mobiletargeting:SendMessages on this app's messages resource only. */
  grantSendMessages(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['mobiletargeting:SendMessages'],
        resources: [this.pinpointMessagesArn],
      }),
    );
  }
}
