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
});
