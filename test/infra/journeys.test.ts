import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { compileJourneyFiles } from '../../cli/commands/compile.ts';
import { validateJourneyFiles } from '../../cli/commands/validate.ts';
import { STEP_FUNCTION_ARN_PLACEHOLDER } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import { JourneyValidationError, validateJourneyText } from '../../engine/validate/index.ts';
import { REPO_ROOT } from '../../infra/config.ts';
import { compileJourneyDir, findJourneyFiles } from '../../infra/journeys.ts';
import { synthHerald } from './synth.ts';

const WORKFLOWS = path.join(REPO_ROOT, 'workflows');
const journeyFiles = findJourneyFiles(WORKFLOWS);
const readJourney = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Journey;

function tempJourneysDir(files: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-journeys-'));
  for (const file of files) copyFileSync(file, path.join(dir, path.basename(file)));
  return dir;
}

describe('journeys → state machines', () => {
  const { template, stack } = synthHerald();
  const stepFunctionId = stack.getLogicalId(stack.functions.step.fn.node.defaultChild as never);
  // The step Lambda version published with this deploy (version pinning: see journey-state-machine.ts).
  const stepVersions = template.findResources('AWS::Lambda::Version', {
    Properties: { FunctionName: { Ref: stepFunctionId } },
  });
  const stepVersionArn = { Ref: Object.keys(stepVersions)[0] };

  it('has reference journeys to deploy', () => {
    expect(journeyFiles.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['welcome.journey.json', 'cart-abandonment.journey.json']),
    );
  });

  it('creates one Standard state machine per journey file', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', journeyFiles.length);
    for (const file of journeyFiles) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Herald-${readJourney(file).id}`,
        StateMachineType: 'STANDARD',
      });
    }
  });

  it('deploys exactly what `herald compile` writes, with this deploy’s step Lambda version substituted in', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'herald-asl-'));
    const compiled = await compileJourneyFiles(journeyFiles, out);
    if (!compiled.ok) throw new Error(compiled.report);
    expect(compiled.written).toHaveLength(journeyFiles.length);
    for (const { journey, path: aslFile } of compiled.written) {
      const definition = readFileSync(aslFile, 'utf8');
      expect(definition).toContain(STEP_FUNCTION_ARN_PLACEHOLDER);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Herald-${journey.id}`,
        DefinitionString: definition,
        DefinitionSubstitutions: { StepFunctionArn: stepVersionArn },
      });
    }
  });

  it('publishes a retained version and points a `live` alias at it, so entrants stay on their version', () => {
    template.hasResource('AWS::Lambda::Version', {
      DeletionPolicy: 'Retain',
      Properties: { FunctionName: { Ref: stepFunctionId } },
    });
    template.resourceCountIs('AWS::StepFunctions::StateMachineVersion', journeyFiles.length);
    template.hasResource('AWS::StepFunctions::StateMachineVersion', {
      UpdateReplacePolicy: 'Retain',
      DeletionPolicy: 'Retain',
      Properties: { StateMachineRevisionId: { 'Fn::GetAtt': [Match.anyValue(), 'StateMachineRevisionId'] } },
    });
    template.resourceCountIs('AWS::StepFunctions::StateMachineAlias', journeyFiles.length);
    template.hasResourceProperties('AWS::StepFunctions::StateMachineAlias', {
      Name: 'live',
      RoutingConfiguration: [
        { StateMachineVersionArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Weight: 100 },
      ],
    });
  });

  it('logs every state machine (without execution data, which holds personal data) and traces it', () => {
    for (const file of journeyFiles) {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/vendedlogs/states/Herald-${readJourney(file).id}`,
      });
    }
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    for (const machine of Object.values(machines)) {
      expect(machine.Properties.LoggingConfiguration).toMatchObject({
        Level: 'ALL',
        IncludeExecutionData: false,
      });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
  });

  it('adds a state machine when a journey file is added, with no code change', () => {
    const one = synthHerald({ config: { journeysDir: tempJourneysDir(journeyFiles.slice(0, 1)) } });
    const two = synthHerald({ config: { journeysDir: tempJourneysDir(journeyFiles.slice(0, 2)) } });
    one.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    two.template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    two.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: `Herald-${readJourney(journeyFiles[1]!).id}`,
    });
  });

  it('reads the journeys folder from context', () => {
    const dir = tempJourneysDir(journeyFiles.slice(0, 1));
    const { template: fromContext } = synthHerald({ context: { journeysDir: dir } });
    fromContext.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  it('fails the synth on two files with one journey id with the same problems `herald validate` prints', async () => {
    const dir = path.join(REPO_ROOT, 'test/fixtures/invalid/sets/duplicate-id');
    const files = findJourneyFiles(dir);
    const fromCli = (await validateJourneyFiles(files)).flatMap((r) => r.problems);
    expect(fromCli.map((p) => p.code)).toEqual(['journey.duplicate-id', 'journey.duplicate-id']);
    let thrown: unknown;
    try {
      compileJourneyDir(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JourneyValidationError);
    expect((thrown as JourneyValidationError).problems).toEqual(fromCli);
  });

  it('shows the validator’s warnings in the synth output without failing it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-journeys-'));
    copyFileSync(
      path.join(REPO_ROOT, 'test/fixtures/invalid/email-no-unsubscribe.journey.json'),
      path.join(dir, 'email-no-unsubscribe.journey.json'),
    );
    const { stack, template } = synthHerald({ config: { journeysDir: dir } });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    Annotations.fromStack(stack).hasWarning(
      '/Herald/Journey-fixture-welcome',
      Match.stringLikeRegexp('warning email\\.no-unsubscribe /messages/welcome/locales/en/email/html'),
    );
  });

  it('fails the synth with the validator’s messages when a journey is invalid', () => {
    const dir = tempJourneysDir(journeyFiles.slice(0, 1));
    const broken = readJourney(journeyFiles[0]!) as unknown as Record<string, unknown>;
    broken.start = 'no-such-step';
    const file = path.join(dir, 'broken.journey.json');
    const text = JSON.stringify(broken, null, 2);
    writeFileSync(file, text);
    const problems = validateJourneyText(text, file).problems.filter((p) => p.severity === 'error');
    expect(problems.length).toBeGreaterThan(0);

    let thrown: unknown;
    try {
      synthHerald({ config: { journeysDir: dir } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JourneyValidationError);
    const message = (thrown as Error).message;
    expect(message).toContain(file);
    for (const problem of problems) {
      expect(message).toContain(problem.message);
      expect(message).toContain(problem.path);
    }
  });
});
