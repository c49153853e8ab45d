/**
 * Evaluates recorded calls as IAM would: each call becomes the request(s) AWS authorizes
 * (requests.ts), and each request is run through @cloud-copilot/iam-simulate — a real IAM policy
 * evaluator (AGPL-3.0, a test-only devDependency: nothing under functions/, cli/ or infra/ imports
 * it) — against the identity policies of the calling function's role in the resolved template.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from '../../../local/aws-calls.ts';
import { type AuthorizedRequest, authorizedRequests, type Deployment } from './requests.ts';
import type { FunctionRole, PolicyStatement } from './template.ts';

export interface Denial {
  request: AuthorizedRequest;
  result: string;
  /** The statement the role lacks, e.g. to paste into the grant's test. */
  missing: PolicyStatement;
}

export interface Evaluation {
  /** Distinct requests evaluated (calls that map to the same request are evaluated once). */
  requests: AuthorizedRequest[];
  denials: Denial[];
}

function missingStatement(request: AuthorizedRequest): PolicyStatement {
  const entries = Object.entries(request.context);
  const statement: PolicyStatement = { Effect: 'Allow', Action: request.action, Resource: request.resource };
  if (entries.length > 0) {
    statement.Condition = {};
    for (const [key, value] of entries) {
      const operator = Array.isArray(value) ? 'ForAnyValue:StringEquals' : 'StringEquals';
      statement.Condition[operator] = { ...statement.Condition[operator], [key]: value };
    }
  }
  return statement;
}

export async function evaluateCalls(
  calls: readonly AwsCall[],
  roles: readonly FunctionRole[],
  world: Deployment,
): Promise<Evaluation> {
  const distinct = new Map<string, AuthorizedRequest>();
  for (const call of calls) {
    for (const request of authorizedRequests(call, world)) {
      const key = JSON.stringify([request.fn, request.action, request.resource, request.context]);
      if (!distinct.has(key)) distinct.set(key, request);
    }
  }
  return evaluateRequests([...distinct.values()], roles, world);
}

/** The requests as given: e.g. a batch's keys judged together, as one request. */
export async function evaluateRequests(
  requests: AuthorizedRequest[],
  roles: readonly FunctionRole[],
  world: Deployment,
): Promise<Evaluation> {
  const byFn = new Map(roles.map((r) => [r.fn, r]));
  const denials: Denial[] = [];
  for (const request of requests) {
    const role = byFn.get(request.fn);
    if (!role) {
      throw new Error(
        `function "${request.fn}" made ${request.action} calls but the template has no Lambda with POWERTOOLS_SERVICE_NAME=${request.fn}`,
      );
    }
    const response = await runSimulation(
      {
        identityPolicies: [
          { name: `${request.fn}-role`, policy: { Version: '2012-10-17', Statement: role.statements } },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          principal: role.roleArn,
          action: request.action,
          resource: { resource: request.resource, accountId: world.account },
          contextVariables: request.context,
        },
      },
      {},
    );
    if (response.resultType === 'error') {
      throw new Error(
        `iam-simulate refused ${request.fn} ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
      );
    }
    if (response.overallResult !== 'Allowed') {
      denials.push({ request, result: response.overallResult, missing: missingStatement(request) });
    }
  }
  return { requests, denials };
}

/** One line per denial: function, action, ARN, context, and the statement that would allow it. */
export function describeDenials(denials: readonly Denial[]): string {
  return denials
    .map(
      ({ request, result, missing }) =>
        `${request.fn}: ${request.action} on ${request.resource} ${JSON.stringify(request.context)} is ${result} (from ${request.operation}); missing statement: ${JSON.stringify(missing)}`,
    )
    .join('\n');
}
