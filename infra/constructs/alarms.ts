import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export type AlarmOptions = cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric };

/**
 * One Herald alarm: named `<stack>-<name>` so an operator can find it by journey, and quiet
 * when its metric has no data (a journey nobody entered is not in alarm).
 */
export function heraldAlarm(
  scope: Construct,
  id: string,
  name: string,
  description: string,
  options: AlarmOptions,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmName: `${Stack.of(scope).stackName}-${name}`,
    alarmDescription: description,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    ...options,
  });
}
