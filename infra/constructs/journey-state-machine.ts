/**
 * One journey file → one Standard state machine, compiled by engine/ at synth time.
 *
 * The definition is exactly `renderAsl(compileJourney(journey))`; its `${StepFunctionArn}` placeholder
 * is filled by CloudFormation `DefinitionSubstitutions`, so the template carries the compiler's text
 * byte for byte.
 *
 * Version pinning. A deploy that changes the journey publishes a new state machine version and moves
 * the `live` alias to it; ingest starts every execution through the alias, and Step Functions binds
 * an execution to the version the alias points to *at its start* ("How Step Functions associates
 * executions with a version or alias",
 * https://docs.aws.amazon.com/step-functions/latest/dg/execution-alias-version-associate.html), so a
 * customer who entered v1 keeps running the v1 definition after v2 ships. A version is an immutable
 * snapshot (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html)
 * whose Task states pass their static `journeyVersion` to the step Lambda (engine/contract.ts
 * `StepRequest`); the step Lambda bundles every kept journey version (infra/journeys.ts), so it
 * decides and renders v1 for them.
 *
 * The placeholder is the step Lambda's `live` alias, not a version: the definition, hence the
 * state machine revision, then changes only when the journey does. Step Functions allows 1,000
 * versions per state machine and never deletes one itself ("You can publish up to 1000 versions for
 * each state machine. You must manually delete unused versions", PublishStateMachineVersion,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html);
 * substituting a per-deploy Lambda version would spend one on every journey at every code deploy.
 * Superseded versions are retained (executions may still run on them) and pruned by the operator
 * once none is open: docs/writing-journeys.md, "Retiring a version".
 */
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Journey } from '../../engine/schema.ts';
import { formatProblems } from '../engine.ts';
import { type CompiledJourney, compileJourneyFile } from '../journeys.ts';
import { acknowledge, wildcardResource } from '../nag.ts';

export const LIVE_ALIAS = 'live';

export interface JourneyStateMachineProps {
  /** A `workflows/*.journey.json` path; validated and compiled here. */
  file?: string;
  /** Or an already compiled journey (the stack compiles the folder once). */
  compiled?: CompiledJourney;
  /** The step Lambda; its alias below is what Task states call. */
  stepFunction: lambda.IFunction;
  /** The step Lambda's `live` alias, moved to each deploy's version. */
  stepFunctionAlias: lambda.IAlias;
  /** State machine names are `${namePrefix}${journey.id}`, so ingest can derive them. */
  namePrefix: string;
  removalPolicy: RemovalPolicy;
}

export class JourneyStateMachine extends Construct {
  readonly journey: Journey;
  /** The compiled ASL text, placeholder intact. */
  readonly definition: string;
  readonly stateMachine: sfn.StateMachine;
  readonly version: sfn.CfnStateMachineVersion;
  readonly alias: sfn.CfnStateMachineAlias;
  /** The ARN executions are started on: `…:stateMachine:<name>:live`. */
  readonly aliasArn: string;
  readonly logGroup: logs.LogGroup;
  /** The state machine's physical name. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: JourneyStateMachineProps) {
    super(scope, id);
    const compiled = props.compiled ?? (props.file ? compileJourneyFile(props.file) : undefined);
    if (!compiled) throw new Error('JourneyStateMachine needs a journey file or a compiled journey');
    this.journey = compiled.journey;
    this.definition = compiled.definition;
    // The validator's warnings (no unsubscribe link, …) in `cdk synth`/`cdk deploy` output; only
    // `--strict` makes a warning fail the synth.
    for (const warning of compiled.warnings) {
      Annotations.of(this).addWarningV2(`herald:${warning.code}`, formatProblems([warning]));
    }
    this.name = `${props.namePrefix}${this.journey.id}`;
    if (this.name.length > 80) {
      throw new Error(
        `state machine name "${this.name}" is longer than Step Functions allows (80): shorten the stack name or journey id of ${compiled.file}`,
      );
    }

    // The `/aws/vendedlogs/` prefix spares the account-wide CloudWatch Logs resource policy, whose
    // size limit is otherwise reached after a few dozen state machines.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${this.name}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: `${this.journey.name} (journey ${this.journey.id} v${this.journey.version})`,
      definitionBody: sfn.DefinitionBody.fromString(this.definition),
      definitionSubstitutions: { StepFunctionArn: props.stepFunctionAlias.functionArn },
      tracingEnabled: true,
      // Execution data carries the triggering event (addresses, names): keep it out of the logs.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      removalPolicy: props.removalPolicy,
    });
    // The role is shared by every version of this state machine; all call the step function's `live`
    // alias. Qualified ARNs only: it may invoke the step function's aliases and versions, nothing else.
    const stepVersions = `${props.stepFunction.functionArn}:*`;
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [stepVersions] }),
    );
    acknowledge(
      this.stateMachine,
      wildcardResource(this, stepVersions),
      'Task states call the step Lambda through its `live` alias (a qualified ARN); the wildcard spans the aliases and versions of that one function only.',
    );

    this.version = new sfn.CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
      description: `journey ${this.journey.id} v${this.journey.version}`,
    });
    // A changed definition replaces this resource (new revision id ⇒ new version); keep the old one
    // so executions pinned to it run to the end. Deleting a version would not stop its running
    // executions (DeleteStateMachineVersion), but retiring one is the operator's call, made when
    // none is open (docs/writing-journeys.md, "Retiring a version").
    this.version.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.alias = new sfn.CfnStateMachineAlias(this, 'Alias', {
      name: LIVE_ALIAS,
      description: `What new entrants of ${this.journey.id} run`,
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });
    this.aliasArn = this.alias.attrArn;

    acknowledge(
      this.stateMachine,
      'IAM5[Resource::*]',
      'Only CloudWatch Logs vended-delivery actions (logs:CreateLogDelivery, …) and X-Ray write actions use "*": neither service supports resource-level permissions for them.',
    );
  }

  /** Execution ARNs of this state machine (`…:execution:<name>:*`), for StopExecution grants. */
  get executionArns(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  metricFailed(): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' });
  }
}
