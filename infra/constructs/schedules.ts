import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export const SCHEDULER_PRINCIPAL = 'scheduler.amazonaws.com';

export interface ScheduleGroupProps {
  /** Construct ids, kept per caller so that existing stacks keep their logical ids. */
  ids: { group: string; queue: string };
  groupName: string;
  /** Why this queue has no dead-letter queue of its own (cdk-nag SQS3). */
  queueNote: string;
  roleDescription: string;
  removalPolicy: RemovalPolicy;
}

export interface ScheduleGroup {
  group: scheduler.ScheduleGroup;
  deadLetterQueue: sqs.Queue;
  /** The role Scheduler assumes; the caller grants it its target (lambda:InvokeFunction, states:StartExecution). */
  schedulerRole: iam.Role;
}

/**
 * A schedule group with what every Herald schedule needs beside it: a dead-letter queue and the
 * role Scheduler assumes.
 * - The queue is a standard one (Scheduler refuses FIFO DLQs) with SQS-managed encryption, so the
 *   role needs sqs:SendMessage and no KMS grant ("Configuring a schedule's dead-letter queue",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
 * - The role trusts Scheduler for schedules of this account's group only ("Confused deputy
 *   prevention", https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html:
 *   aws:SourceArn must be the schedule group ARN, never a schedule).
 */
export function scheduleGroupWithDeadLetters(scope: Construct, props: ScheduleGroupProps): ScheduleGroup {
  const group = new scheduler.ScheduleGroup(scope, props.ids.group, {
    scheduleGroupName: props.groupName,
    removalPolicy: props.removalPolicy,
  });
  const deadLetterQueue = new sqs.Queue(scope, props.ids.queue, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(deadLetterQueue, 'SQS3', props.queueNote);
  const schedulerRole = new iam.Role(scope, 'SchedulerRole', {
    description: props.roleDescription,
    assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal(SCHEDULER_PRINCIPAL), {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnEquals: { 'aws:SourceArn': group.scheduleGroupArn },
    }),
  });
  schedulerRole.addToPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
  );
  return { group, deadLetterQueue, schedulerRole };
}
