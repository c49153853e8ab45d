import type { Command } from 'commander';
import type { ClockMode } from '../../local/serve/clock-driver.ts';

export { registerServe } from '../program.ts';

interface ServeCliOptions {
  port: string;
  host: string;
  speed?: string;
  manual?: boolean;
  start?: string;
  writeKey: string;
  workflows?: string;
}

/** `herald serve` (cli/program.ts): runs until SIGINT/SIGTERM, then stops the stand-ins and exits 0. */
export async function serveCommand(options: ServeCliOptions, command: Command): Promise<void> {
  const fail = (message: string): never => command.error(`error: ${message}`, { exitCode: 2 });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail(`--port must be 0–65535, got ${options.port}`);
  if (options.manual && options.speed !== undefined) fail('--speed and --manual exclude each other');
  const speed = options.speed === undefined ? 1 : Number(options.speed);
  if (!(speed > 0 && speed <= 31_536_000))
    fail(`--speed must be a number > 0 (3600: an hour per second), got ${options.speed}`);
  const mode: ClockMode = options.manual ? { kind: 'manual' } : { kind: 'speed', speed };
  const start = options.start === undefined ? new Date() : new Date(options.start);
  if (Number.isNaN(start.getTime())) fail('--start must be an ISO timestamp');

  const { ServeListenError, startServe } = await import('../../local/serve/server.ts');
  const { JourneyValidationError } = await import('../../engine/validate/index.ts');
  let server: Awaited<ReturnType<typeof startServe>>;
  try {
    server = await startServe({
      port,
      host: options.host,
      mode,
      start,
      writeKey: options.writeKey,
      ...(options.workflows ? { workflowsDir: options.workflows } : {}),
    });
  } catch (error) {
    if (error instanceof ServeListenError) {
      process.stderr.write(`✗ herald serve did not start: ${error.message}\n`);
      // Its stand-ins are stopped; exit rather than wait for idle sockets to time out.
      process.exit(1);
    }
    if (error instanceof JourneyValidationError) {
      const { formatProblemsWithFrames } = await import('../../tools/cli/code-frame.ts');
      const errors = error.problems.filter((p) => p.severity === 'error');
      process.stderr.write(
        `✗ herald serve did not start: a journey is not valid\n${formatProblemsWithFrames(errors)}\n`,
      );
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const clock = mode.kind === 'manual' ? 'stepped by hand (POST /clock/advance)' : `${speed}× real time`;
  process.stdout.write(
    `Herald is serving on ${server.url}  (journeys: ${server.system.journeys.map((j) => j.id).join(', ')}; clock ${clock}, from ${start.toISOString()})\n` +
      `  POST ${server.url}/events · POST ${server.url}/products · Segment: ${server.url}/v1/batch (write key "${options.writeKey}") · Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`\n${signal}: stopping…\n`);
      server.stop().then(resolve, (error: unknown) => {
        process.stderr.write(`herald serve: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  process.stdout.write('stopped\n');
  // The SDK clients' sockets are destroyed; exit now rather than wait for stray handles.
  process.exit(process.exitCode ?? 0);
}
