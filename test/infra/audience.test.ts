import { describe, expect, it } from 'vitest';
import { synthHerald } from './synth.ts';

const { template, stack } = synthHerald();

describe('audience journeys on AWS', () => {
  it('schedules each audience journey in its own group: at() or cron() in the schedule’s zone, no flexible window, a DLQ and retries', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (r) => r.Properties,
    );
    expect(
      schedules
        .map((p) => [p.Name, p.ScheduleExpression, p.ScheduleExpressionTimezone, p.FlexibleTimeWindow.Mode])
        .sort(),
    ).toEqual([
      ['spring-sale', 'at(2026-03-12T09:00:00)', 'Etc/GMT-14', 'OFF'],
      ['win-back', 'cron(0 10 ? * MON *)', 'Etc/GMT-14', 'OFF'],
    ]);
    for (const p of schedules) {
      expect(JSON.parse(p.Target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
      expect(p.Target.DeadLetterConfig.Arn).toBeDefined();
      expect(p.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 });
    }
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });

  it('deploys one Standard enrolment state machine per audience journey, its Task bound to the audience Lambda', () => {
    const audience = stack.audience!;
    expect(audience.enrolments.map((e) => e.journeyId).sort()).toEqual(['spring-sale', 'win-back']);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter(
      (r) => r.Properties.DefinitionSubstitutions?.AudienceFunctionArn,
    );
    expect(machines).toHaveLength(2);
    for (const m of machines) {
      expect(m.Properties.StateMachineType).toBe('STANDARD');
      expect(JSON.stringify(m.Properties.DefinitionString)).toContain('DISTRIBUTED');
    }
  });

  it('fills the export branch’s placeholders: the table, its ARN and the export bucket', () => {
    const bucket = stack.resolve(stack.audience!.exportBucket.bucketName);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter(
      (r) => r.Properties.DefinitionSubstitutions?.AudienceFunctionArn,
    );
    for (const m of machines) {
      const subs = m.Properties.DefinitionSubstitutions;
      expect(subs.AudienceTableName).toEqual(stack.resolve(stack.table.tableName));
      expect(subs.AudienceTableArn).toEqual(stack.resolve(stack.table.tableArn));
      expect(subs.AudienceExportBucket).toEqual(bucket);
    }
  });

  it('keeps exports in a private, encrypted, TLS-only bucket that forgets them after three days, on a PITR table', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(1);
    const p = buckets[0]!.Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(p.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(p.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        ExpirationInDays: 3,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      }),
    ]);
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
    // ExportTableToPointInTime needs point-in-time recovery on the table.
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables.map((t) => t.Properties.PointInTimeRecoverySpecification)).toEqual([
      { PointInTimeRecoveryEnabled: true },
    ]);
  });

  it('tells the audience Lambda the export bucket', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'audience',
    );
    expect(fns).toHaveLength(1);
    expect(fns[0]!.Properties.Environment.Variables.AUDIENCE_EXPORT_BUCKET).toEqual(
      stack.resolve(stack.audience!.exportBucket.bucketName),
    );
  });
});
