/**
 * cdk-nag 3 acknowledgements. cdk-nag runs as a CDK policy-validation plugin; an acknowledgement is
 * `Validations.of(construct).acknowledge({ id: 'AwsSolutions::<rule>[<finding>]', reason })` — the
 * `AwsSolutions::` namespace is what CDK's validation report matches on. Findings are acknowledged
 * one by one (never a whole rule), each with the reason it is acceptable.
 */
import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag's own renderer for CloudFormation references in finding ids (`<Fn.Arn>:*`, `<AWS::Region>`).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export const NAG_NAMESPACE = 'AwsSolutions';

/** `rule` is e.g. `IAM5[Resource::*]` or `SMG4`. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${NAG_NAMESPACE}::${NAG_NAMESPACE}-${rule}`, reason });
}

/** The IAM5 finding id cdk-nag reports for a wildcard resource ARN (which may contain tokens). */
export function wildcardResource(scope: IConstruct, arn: string): string {
  return `IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}
