import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
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
import { compileDeployedJourneys, compileJourneyDir, findJourneyFiles } from '../../infra/journeys.ts';
import { synthHerald } from './synth.ts';

const WORKFLOWS = path.join(REPO_ROOT, 'workflows');
const journeyFiles = findJourneyFiles(WORKFLOWS);
const readJourney = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Journey;

/** A workflows folder with these journey files and their released copies (workflows/versions/<id>/). */
function tempJourneysDir(files: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-journeys-'));
  for (const file of files) {
    copyFileSync(file, path.join(dir, path.basename(file)));
    const { id } = readJourney(file);
    cpSync(path.join(WORKFLOWS, 'versions', id), path.join(dir, 'versions', id), { recursive: true });
  }
  return dir;
}

describe('journeys → state machines', () => {
  const { template, stack } = synthHerald();
  const stepFunctionId = stack.getLogicalId(stack.functions.step.fn.node.defaultChild as never);
  // The step Lambda's `live` alias: stable across deploys, so a state machine version is published
  // only when its journey changes (see journey-state-machine.ts).
  const stepAliases = template.findResources('AWS::Lambda::Alias', {
    Properties: { FunctionName: { Ref: stepFunctionId }, Name: 'live' },
  });
  const stepAliasArn = { Ref: Object.keys(stepAliases)[0] };

  it('has reference journeys to deploy', () => {
    expect(journeyFiles.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['welcome.journey.json', 'cart-abandonment.journey.json']),
    );
  });

  it('creates one Standard state machine per journey file (and one enrolment machine per audience journey)', () => {
    const audienceJourneys = journeyFiles.filter((f) => readJourney(f).entry.segment !== undefined);
    template.resourceCountIs(
      'AWS::StepFunctions::StateMachine',
      journeyFiles.length + audienceJourneys.length,
    );
    for (const file of journeyFiles) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Herald-${readJourney(file).id}`,
        StateMachineType: 'STANDARD',
      });
    }
  });

  it('deploys exactly what `herald compile` writes, with the step Lambda’s `live` alias substituted in', async () => {
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
        DefinitionSubstitutions: { StepFunctionArn: stepAliasArn },
      });
    }
  });

  it('publishes a retained version and points a `live` alias at it, so entrants stay on their version', () => {
    expect(Object.keys(stepAliases)).toHaveLength(1);
    const [stepAlias] = Object.values(stepAliases);
    const stepVersion = template.findResources('AWS::Lambda::Version', {
      Properties: { FunctionName: { Ref: stepFunctionId } },
    });
    expect(stepAlias?.Properties.FunctionVersion).toEqual({
      'Fn::GetAtt': [Object.keys(stepVersion)[0], 'Version'],
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
    const fixture = path.join(REPO_ROOT, 'test/fixtures/invalid/email-no-unsubscribe.journey.json');
    copyFileSync(fixture, path.join(dir, 'email-no-unsubscribe.journey.json'));
    // Released, as synth requires of every deployed version.
    mkdirSync(path.join(dir, 'versions', 'fixture-welcome'), { recursive: true });
    copyFileSync(fixture, path.join(dir, 'versions', 'fixture-welcome', '1.journey.json'));
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

describe('journey versions at synth', () => {
  // Welcome as its released version 1, alone in a folder: the starting point of every case below.
  const welcomeFile = path.join(WORKFLOWS, 'versions', 'welcome', '1.journey.json');
  const welcome = readJourney(welcomeFile);
  const welcomeV1Dir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-journeys-'));
    copyFileSync(welcomeFile, path.join(dir, 'welcome.journey.json'));
    mkdirSync(path.join(dir, 'versions', 'welcome'), { recursive: true });
    copyFileSync(welcomeFile, path.join(dir, 'versions', 'welcome', '1.journey.json'));
    return dir;
  };
  /** welcome as released v1, and a v2 with other content in the journey file (released unless said). */
  function withWelcomeV2(options: { releaseV2?: boolean } = {}) {
    const dir = welcomeV1Dir();
    const v2 = structuredClone(welcome);
    v2.version = 2;
    v2.name = 'Welcome, second edition';
    const text = `${JSON.stringify(v2, null, 2)}\n`;
    writeFileSync(path.join(dir, 'welcome.journey.json'), text);
    if (options.releaseV2 ?? true) {
      mkdirSync(path.join(dir, 'versions', 'welcome'), { recursive: true });
      writeFileSync(path.join(dir, 'versions', 'welcome', '2.journey.json'), text);
    }
    return dir;
  }
  const synthError = (dir: string): Error => {
    try {
      synthHerald({ config: { journeysDir: dir } });
    } catch (error) {
      return error as Error;
    }
    throw new Error('synth succeeded');
  };

  it('has every reference journey released as the version its file holds', () => {
    const { bundle, current } = compileDeployedJourneys(WORKFLOWS);
    expect(current).toHaveLength(journeyFiles.length);
    const released = journeyFiles.flatMap((f) => {
      const { id } = readJourney(f);
      // Each release is `<v>.journey.json`, with its dictionary slice `<v>.data.json` beside it when it has one.
      return readdirSync(path.join(WORKFLOWS, 'versions', id))
        .filter((name) => name.endsWith('.journey.json'))
        .map((name) => `${id}@${parseInt(name, 10)}`);
    });
    expect(bundle.map((j) => `${j.id}@${j.version}`).sort()).toEqual(released.sort());
    for (const f of journeyFiles) {
      expect(released).toContain(`${readJourney(f).id}@${readJourney(f).version}`);
    }
  });

  it('bundles the current version and every released older one for the Lambdas, and deploys only the current one', () => {
    const dir = withWelcomeV2();
    const { stack, template } = synthHerald({ config: { journeysDir: dir } });
    const bundled = JSON.parse(readFileSync(stack.journeysBundleFile, 'utf8')) as Journey[];
    expect(bundled.map((j) => [j.id, j.version, j.name])).toEqual([
      ['welcome', 2, 'Welcome, second edition'],
      ['welcome', 1, welcome.name],
    ]);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.stringLikeRegexp('"journeyVersion": 2'),
    });
  });

  it('refuses a journey whose content changed without a new version, naming the file, /version and the fix', () => {
    const dir = welcomeV1Dir();
    const file = path.join(dir, 'welcome.journey.json');
    writeFileSync(file, JSON.stringify({ ...welcome, name: 'Welcome (edited in place)' }, null, 2));
    const error = synthError(dir);
    expect(error).toBeInstanceOf(JourneyValidationError);
    expect((error as JourneyValidationError).problems).toEqual([
      expect.objectContaining({ file, path: '/version', code: 'release.changed-without-new-version' }),
    ]);
    expect(error.message).toContain(file);
    expect(error.message).toContain('/version');
    expect(error.message).toContain(`set /version to 2 and run \`npx herald release ${file}\``);
  });

  it('refuses a new version that was never released, and says how to release it', () => {
    const dir = withWelcomeV2({ releaseV2: false });
    const error = synthError(dir);
    expect((error as JourneyValidationError).problems).toEqual([
      expect.objectContaining({ path: '/version', code: 'release.unreleased' }),
    ]);
    expect(error.message).toContain('npx herald release');
    expect(error.message).toContain(path.join('versions', 'welcome', '2.journey.json'));
  });

  it('refuses a released copy edited in place (filed as one version, holding another)', () => {
    const dir = withWelcomeV2();
    const v1 = path.join(dir, 'versions', 'welcome', '1.journey.json');
    writeFileSync(v1, JSON.stringify({ ...welcome, version: 3 }, null, 2));
    const problems = (synthError(dir) as JourneyValidationError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: v1, path: '/version', code: 'release.misfiled' }),
      ]),
    );
  });

  it('refuses released versions of a journey whose file was removed, pointing at the retirement procedure', () => {
    const dir = tempJourneysDir(journeyFiles.slice(0, 2));
    const [first] = journeyFiles;
    const { id } = readJourney(first!);
    cpSync(path.join(WORKFLOWS, 'versions', 'welcome'), path.join(dir, 'versions', 'welcome'), {
      recursive: true,
    });
    const error = synthError(dir);
    expect(id).not.toBe('welcome');
    // One problem per released copy of welcome.
    const problems = (error as JourneyValidationError).problems;
    expect(problems.map((p) => [p.path, p.code])).toEqual(
      readdirSync(path.join(WORKFLOWS, 'versions', 'welcome')).map(() => ['/id', 'release.without-journey']),
    );
    expect(error.message).toContain('Retiring a version');
  });
});
