import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildHerald } from './synth.ts';

interface Violation {
  ruleName: string;
  severity: string;
  acknowledgedId?: string;
  reason?: string;
}
interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: Violation[];
  }[];
}

/** Synthesises the whole app as `cdk synth` does (cdk-nag and CloudFormation validation on). */
function synthWithValidation(mutate?: (built: ReturnType<typeof buildHerald>) => void): ValidationReport {
  const built = buildHerald({ cloudFormationValidation: true });
  mutate?.(built);
  const assembly = built.app.synth();
  return JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
}

describe('cdk-nag AwsSolutions and CloudFormation validation at synth', () => {
  const report = synthWithValidation();

  it('runs the AwsSolutions pack', () => {
    expect(report.pluginReports.map((r) => r.pluginName)).toContain('AwsSolutions');
  });

  it('leaves no unacknowledged finding, error or warning, in any plugin', () => {
    const open = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => `${r.pluginName}: ${v.severity} ${v.ruleName}`),
    );
    expect(open).toEqual([]);
    for (const plugin of report.pluginReports) expect(plugin.conclusion, plugin.pluginName).toBe('success');
  });

  it('acknowledges findings one by one, each with a reason', () => {
    const acknowledged = report.pluginReports.flatMap((r) => r.suppressedViolations ?? []);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const finding of acknowledged) {
      expect(finding.reason?.length ?? 0, finding.ruleName).toBeGreaterThan(40);
      // A granular id, never a whole rule: `AwsSolutions-IAM5[Resource::*]`, not `AwsSolutions-IAM5`.
      if (finding.ruleName.startsWith('AwsSolutions-IAM5')) expect(finding.ruleName).toContain('[');
    }
  });

  it('fails the synth when a resource breaks a rule nobody acknowledged', () => {
    expect(() =>
      synthWithValidation(({ stack }) => {
        new sqs.Queue(stack, 'UnencryptedPlainHttpQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      }),
    ).toThrow(/AwsSolutions-SQS/);
  });
});
