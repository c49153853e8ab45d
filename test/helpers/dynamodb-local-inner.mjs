/**
 * Runs inside the private network and PID namespace that test/helpers/dynamodb-local.ts creates
 * (`unshare -n -p --fork`), as the namespace's PID 1:
 *
 *   node dynamodb-local-inner.mjs <unix socket> <java> <java args…>
 *
 * It brings the namespace's loopback up, starts DynamoDB Local (which listens on every interface
 * of this namespace — there is only `lo`), and once DynamoDB Local accepts connections, forwards
 * each connection on the Unix socket (a file, so reachable from the test's namespace) to it.
 * When this process ends, the kernel kills everything else in the PID namespace: no java outlives it.
 *
 * Plain ESM JavaScript on purpose: it is started with `node` itself, before any loader.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';

const [socketPath, java, ...javaArgs] = process.argv.slice(2);
if (!socketPath || !java) {
  process.stderr.write('usage: dynamodb-local-inner.mjs <unix socket> <java> <java args…>\n');
  process.exit(2);
}
const port = Number(javaArgs[javaArgs.indexOf('-port') + 1]);

// A fresh network namespace has only `lo`, and it is down.
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const dynamo = spawn(java, javaArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
dynamo.on('exit', (code, signal) => {
  process.stderr.write(`DynamoDB Local exited (${signal ?? code})\n`);
  process.exit(1);
});
// PID 1 of a namespace gets no default signal handling: end on request, taking java with us.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => process.exit(0));
process.on('exit', () => dynamo.kill('SIGKILL'));

function accepts() {
  return new Promise((resolve) => {
    const probe = net.connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

// Bounded: a JVM that has not opened its port within a minute is not going to.
for (let attempt = 0; !(await accepts()); attempt++) {
  if (attempt >= 600) {
    process.stderr.write('DynamoDB Local did not open its port within 60 s\n');
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

rmSync(socketPath, { force: true });
net
  .createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  })
  .listen(socketPath);
