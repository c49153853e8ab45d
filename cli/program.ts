/**
 * The `herald` command line: every subcommand's arguments, options and help, and nothing else.
 * Each command's work lives in cli/commands/<name>.ts and is imported only when that command runs,
 * so `herald --help` or `herald validate` never loads the simulator, the SDK or the renderer
 * (in the built CLI each is its own chunk: cli/build.mjs).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';

export const DEFAULT_ASL_DIR = 'out/asl';

/** Commander's action arguments, passed through to the command module once it is loaded. */
// biome-ignore lint/suspicious/noExplicitAny: commander hands actions untyped arguments
type Action = (...args: any[]) => void | Promise<void>;
function lazy(load: () => Promise<Action>): Action {
  return async (...args) => (await load())(...args);
}

export function heraldVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function heraldProgram(): Command {
  const program = new Command()
    .name('herald')
    .description(
      'Herald: validate, compile, preview and simulate customer journeys; load the product catalog; serve it locally',
    )
    .version(heraldVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();
  for (const register of [
    registerSchema,
    registerValidate,
    registerCompile,
    registerRelease,
    registerGraph,
    registerPreview,
    registerSimulate,
    registerCatalog,
    registerSegment,
    registerJourney,
    registerCustomer,
    registerSendTest,
    registerReport,
    registerServe,
  ]) {
    register(program);
  }
  return program;
}

const JOURNEYS_ARG =
  'journey files or ids of journeys in workflows/, e.g. welcome or workflows/*.journey.json';
const JOURNEY_ARG = 'a journey file, or the id of one in workflows/ (e.g. welcome)';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(
      'print the journey JSON Schema, or --write it (and the data dictionary schema) to workflows/',
    )
    .option('--write', 'write workflows/journey.schema.json and workflows/data.schema.json')
    .option('--check', 'exit 1 when workflows/journey.schema.json or data.schema.json is out of date')
    .action(lazy(async () => (await import('./commands/schema.ts')).schemaCommand));
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check journeys, and the partials/ folder next to them; exit 1 when any has an error (warnings do not fail)',
    )
    .argument('<journeys...>', JOURNEYS_ARG)
    .option('--json', 'print the results as JSON for tools')
    .action(lazy(async () => (await import('./commands/validate.ts')).validateCommand));
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('validate journeys and compile each to Amazon States Language (<out>/<id>.asl.json)')
    .argument('<journeys...>', JOURNEYS_ARG)
    .option('--out <dir>', 'where to write the definitions', DEFAULT_ASL_DIR)
    .action(lazy(async () => (await import('./commands/compile.ts')).compileCommand));
}

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description(
      'freeze the version each journey file holds in workflows/versions/<id>/<version>.journey.json (required before deploy)',
    )
    .argument('<journeys...>', 'journey files or ids, e.g. welcome or workflows/welcome.journey.json')
    .action(lazy(async () => (await import('./commands/release.ts')).releaseCommand));
}

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description(
      'draw a journey: step kinds, branch conditions, split weights, waits and exits (SVG or HTML)',
    )
    .argument('<journey>', JOURNEY_ARG)
    .option('--out <file>', 'where to write: .svg or .html (default out/graphs/<id>.html; `-` prints SVG)')
    .option('--format <format>', 'svg or html (default: from the --out extension)')
    .action(lazy(async () => (await import('./commands/graph.ts')).graphCommand));
}

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description(
      'render every message of a journey for every channel and locale, with checks, as an HTML page',
    )
    .argument('<journey>', JOURNEY_ARG)
    .option('--profile <file>', 'sample customer (default examples/<id>.profile.json, else a built-in one)')
    .option(
      '--events <file>',
      'event script; its first entry event fills event.* (default examples/<id>.events.json)',
    )
    .option('--products <file>', 'catalog for product.* (default examples/products.json)')
    .option('--message <id...>', 'only these messages')
    .option('--locale <tag...>', 'only these locales (`fa` includes `fa-IR`)')
    .option('--out <dir>', 'where to write index.html (default out/preview/<id>)')
    .option('--json', 'print the rendered messages and flags as JSON')
    .action(lazy(async () => (await import('./commands/preview.ts')).previewCommand));
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'run one customer through a journey in simulated time with the real runtime (nothing is sent) and show the timeline',
    )
    .argument('<journey>', JOURNEY_ARG)
    .requiredOption('--profile <file>', 'the customer: a profile JSON file (see examples/)')
    .option(
      '--events <file>',
      'the customer’s events, in any order (a sample entry event is added when none starts the journey)',
    )
    .option('--products <file>', 'catalog for per-product journeys (default examples/products.json)')
    .option('--sent <file>', 'messages the customer already received, which count against frequency caps')
    .option('--policy <file>', 'quiet hours and caps (default workflows/policy.json)')
    .option('--at <iso>', 'move the script so that the journey’s entry event happens at this time')
    .option(
      '--provider-fault <channel:outcome>',
      'make a provider misbehave once, e.g. sms:in_doubt (answer lost after accepting), email:retry_later (throttled), push:rejected; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--engaged <step:open|click[@duration]>',
      'the customer opens (clicks) the message of this send step, a while after it went out (default PT1H), e.g. send-review-email:open@PT3H; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--json', 'print the timeline as JSON')
    .option(
      '--out <file>',
      'also write the timeline as an HTML page (messages shown as the customer sees them)',
    )
    .action(lazy(async () => (await import('./commands/simulate.ts')).simulateCommand));
}

export function registerSegment(program: Command): void {
  const segment = program
    .command('segment')
    .description('audience segments (workflows/segments/*.segment.json)');
  segment
    .command('count')
    .description(
      'how many customers a segment holds, and a sample of their ids (no personal data): the local store by default, or a deployed table (read-only)',
    )
    .argument('<id>', 'a segment id, e.g. vip-uae (workflows/segments/vip-uae.segment.json)')
    .option('--workflows <dir>', 'the workflows folder', 'workflows')
    .option('--table <name>', 'a deployed table: the stack output TableName (read-only: Scan and Query)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or your AWS config)')
    .option('--endpoint <url>', 'DynamoDB endpoint, for a local stand-in (dynalite, DynamoDB Local)')
    .option('--at <iso>', 'judge the segment as of this instant (default: now)')
    .option('--sample <n>', 'customer ids to show', '10')
    .option('--segments <n>', 'parallel scan segments to read (DynamoDB TotalSegments)', '1')
    .option('--customers <n>', 'local store: the demo audience size (as `npm start --customers`)', '1000')
    .option('--seed <n>', 'local store: the demo seed (as `npm start --seed`)', '42')
    .action(lazy(async () => (await import('./commands/segment.ts')).segmentCountCommand));
}

export function registerCatalog(program: Command): void {
  const catalog = program.command('catalog').description('the product catalog in a deployed table');
  catalog
    .command('import')
    .description('validate a catalog file and write every product to the table (nothing when any is invalid)')
    .argument('<file>', 'products.csv or products.json (see examples/)')
    .requiredOption('--table <name>', 'the DynamoDB table: the stack output TableName')
    .option('--region <region>', 'AWS region (default: AWS_REGION or your AWS config)')
    .option('--endpoint <url>', 'DynamoDB endpoint, for a local stand-in (dynalite, DynamoDB Local)')
    .option('--dry-run', 'validate only; write nothing')
    .action(lazy(async () => (await import('./commands/catalog.ts')).catalogImportCommand));
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run Herald on this machine until stopped: POST /events, /products and Segment /v1/*, a simulated clock, and a web page',
    )
    .option('--port <port>', 'the HTTP port (0: any free one)', '3000')
    .option('--host <host>', 'the address to bind (default loopback only)', '127.0.0.1')
    .option('--speed <n>', 'simulated seconds per real second (3600: an hour per second; default 1)')
    .option('--manual', 'the clock moves only on POST /clock/advance {"by":"PT1H"}')
    .option('--start <iso>', 'simulated start (default: now)')
    .option('--write-key <key>', 'the Segment write key /v1/* accepts (HTTP basic auth user)', 'herald-local')
    .option('--workflows <dir>', 'the folder of *.journey.json to run (default: workflows/)')
    .action(lazy(async () => (await import('./commands/serve.ts')).serveCommand));
}

const CONTROL_HELP: Record<'pause' | 'resume' | 'drain' | 'stop', string> = {
  pause: 'hold every send of the journey (customers wait where they are; nobody is lost)',
  resume: 'release a paused journey: held sends go out at their next re-check (within 30 minutes)',
  drain: 'refuse new entrants; customers already in the journey finish it',
  stop: 'end the journey: everyone exits at their next step (reason journey_stopped); no entrants',
};

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'read conversions, enrollments and the ledger from a Herald table and write the test-and-learn report (HTML and JSON): uplift, A/B results, verdicts',
    )
    .requiredOption('--table <name>', 'the DynamoDB table: the stack output TableName')
    .option('--region <region>', 'AWS region (default: AWS_REGION or your AWS config)')
    .option('--endpoint <url>', 'DynamoDB endpoint, for a local stand-in (dynalite, DynamoDB Local)')
    .option('--out <dir>', 'where to write analytics.html and analytics.json', 'out/report')
    .option('--workflows <dir>', 'the journeys the table ran (default workflows/)')
    .option('--segments <n>', 'parallel scan segments, for large tables')
    .option('--alpha <rate>', 'error rate of intervals and tests (default 0.05)')
    .option('--minimum-effect <rate>', 'smallest absolute change in conversion rate to detect (default 0.05)')
    .action(lazy(async () => (await import('./commands/report.ts')).reportCommand));
}

export function registerJourney(program: Command): void {
  const journey = program
    .command('journey')
    .description('operate a deployed journey: pause, resume, drain or stop it');
  for (const action of ['pause', 'resume', 'drain', 'stop'] as const) {
    journey
      .command(action)
      .description(CONTROL_HELP[action])
      .argument('<id>', 'the journey id, e.g. welcome')
      .requiredOption('--table <name>', 'the DynamoDB table: the stack output TableName')
      .option('--region <region>', 'AWS region (default: AWS_REGION or your AWS config)')
      .option('--endpoint <url>', 'DynamoDB endpoint, for a local stand-in (dynalite, DynamoDB Local)')
      .option('--note <text>', 'why (kept with the control; no personal data)')
      .action(lazy(async () => (await import('./commands/journey.ts')).journeyControlCommand(action)));
  }
}

export function registerCustomer(program: Command): void {
  const customer = program
    .command('customer')
    .description('honour a deletion or access request: erase or export one customer of a deployed table');
  for (const action of ['erase', 'export'] as const) {
    const command = customer
      .command(action)
      .description(
        action === 'erase'
          ? 'stop their runs, delete their data, keep decisions under a pseudonym, refuse their later events (resumable: run it again after any failure)'
          : 'print everything Herald holds about them as one JSON document (docs/customer-export.schema.json)',
      )
      .argument('<id>', 'the customer id')
      .requiredOption('--table <name>', 'the DynamoDB table: the stack output TableName')
      .option('--privacy-key-secret <arn>', 'the pseudonym key: the stack output PrivacyKeySecretArn')
      .option('--privacy-key <key>', 'the pseudonym key itself (local stand-ins only)')
      .option('--region <region>', 'AWS region (default: AWS_REGION or your AWS config)')
      .option('--endpoint <url>', 'DynamoDB endpoint, for a local stand-in (dynalite, DynamoDB Local)');
    if (action === 'erase') {
      command
        .option(
          '--state-machine-prefix <arn>',
          'arn:aws:states:<region>:<account>:stateMachine:<stack>- (to stop runs)',
        )
        .option('--sfn-endpoint <url>', 'Step Functions endpoint, for a local stand-in');
    } else command.option('--out <file>', 'write the document to this file');
    command.action(lazy(async () => (await import('./commands/customer.ts')).customerCommand(action)));
  }
}

export function registerSendTest(program: Command): void {
  program
    .command('send-test')
    .description(
      'send one send step’s message, rendered for a sample profile, to a seed list of your own inboxes and phones (marked as a test; never counted)',
    )
    .argument('<journey>', JOURNEY_ARG)
    .argument('<step>', 'the id of a send step, e.g. send-welcome-email')
    .requiredOption('--to <file>', 'seed list: a JSON array of { "email"?, "phone"?, "pushToken"? }')
    .option('--locale <tag>', 'render in this locale (fallbacks apply), e.g. ar')
    .option('--profile <file>', 'sample customer (default examples/<id>.profile.json, else a built-in one)')
    .option(
      '--events <file>',
      'event script; its entry event fills event.* (default examples/<id>.events.json)',
    )
    .option('--products <file>', 'catalog for product.* (default examples/products.json)')
    .option(
      '--ses-endpoint <url>',
      'an SES stand-in already running (npm start -- --serve: http://127.0.0.1:8005), or with --deployed another SES endpoint',
    )
    .option(
      '--deployed',
      'send through the deployed providers (SES v2, Pinpoint) with the default AWS credential chain',
    )
    .option('--region <region>', 'with --deployed: the AWS region (default: AWS_REGION / the profile)')
    .option(
      '--from <address>',
      'with --deployed: the verified SES identity, e.g. "Herald <hello@example.com>"',
    )
    .option('--configuration-set <name>', 'with --deployed: the SES configuration set (event publishing)')
    .option('--pinpoint-app <id>', 'with --deployed: the Pinpoint project id (for phone and push seeds)')
    .option('--table <name>', 'with --deployed: the Herald table that keeps the test ledger record')
    .option('--endpoint <url>', 'with --deployed: a DynamoDB endpoint in place of the region’s')
    .option('--pinpoint-endpoint <url>', 'with --deployed: a Pinpoint endpoint in place of the region’s')
    .option('--json', 'print the results as JSON')
    .action(lazy(async () => (await import('./commands/send-test.ts')).sendTestCommand));
}
