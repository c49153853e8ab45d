/**
 * A loopback Step Functions control-plane stand-in for the calls ingest makes (StartExecution,
 * StopExecution, SendTaskSuccess), so the real `@aws-sdk/client-sfn` and the SfnExecutions adapter
 * are exercised. It runs nothing: it records executions and task completions. (local/ runs the
 * compiled workflows for real with aws-local-stepfunctions.)
 *
 * Faithful where it matters: a second StartExecution with the same name and input is idempotent,
 * with a different input it is `ExecutionAlreadyExists`; a used or expired task token is refused;
 * a name or an input AWS would refuse (engine/limits.ts) is `InvalidName` / `InvalidExecutionInput`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { executionNameProblem, STATE_PAYLOAD_MAX_BYTES } from '../../engine/limits.ts';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK, listen } from './net.ts';

export interface SinkExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'ABORTED';
  stopCause?: string;
}

export interface SfnSinkStandIn {
  endpoint: string;
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  executions: SinkExecution[];
  taskSuccesses: { taskToken: string; output: unknown }[];
  /** Later SendTaskSuccess calls with this token fail with TaskTimedOut. */
  expireTaskToken(token: string): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startSfnSink(options: { port?: number } = {}): Promise<SfnSinkStandIn> {
  const executions: SinkExecution[] = [];
  const taskSuccesses: SfnSinkStandIn['taskSuccesses'] = [];
  const expired = new Set<string>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => fail(res, 500, 'InternalError', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const target = String(req.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    const body = JSON.parse((await readBody(req)) || '{}') as Record<string, string>;
    switch (target) {
      case 'StartExecution': {
        const { stateMachineArn = '', name = '', input = '{}' } = body;
        const nameProblem = executionNameProblem(name);
        if (nameProblem) return fail(res, 400, 'InvalidName', `Invalid Name: '${name}' (${nameProblem})`);
        if (Buffer.byteLength(input, 'utf8') > STATE_PAYLOAD_MAX_BYTES)
          return fail(res, 400, 'InvalidExecutionInput', 'the input is larger than 262144 bytes');
        const parts = stateMachineArn.split(':');
        const executionArn = [...parts.slice(0, 5), 'execution', parts[6] ?? '', name].join(':');
        const existing = executions.find((e) => e.executionArn === executionArn);
        if (existing && existing.input !== input) {
          return fail(res, 400, 'ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
        }
        if (!existing) executions.push({ executionArn, stateMachineArn, name, input, status: 'RUNNING' });
        return ok(res, { executionArn, startDate: Date.now() / 1000 });
      }
      case 'StopExecution': {
        const execution = executions.find((e) => e.executionArn === body.executionArn);
        if (!execution) return fail(res, 400, 'ExecutionDoesNotExist', 'Execution Does Not Exist');
        execution.status = 'ABORTED';
        if (body.cause !== undefined) execution.stopCause = body.cause;
        return ok(res, { stopDate: Date.now() / 1000 });
      }
      case 'SendTaskSuccess': {
        const token = body.taskToken ?? '';
        if (expired.has(token)) return fail(res, 400, 'TaskTimedOut', 'Task Timed Out');
        if (taskSuccesses.some((t) => t.taskToken === token))
          return fail(res, 400, 'TaskDoesNotExist', 'Task does not exist');
        taskSuccesses.push({ taskToken: token, output: JSON.parse(body.output ?? 'null') });
        return ok(res, {});
      }
      default:
        return fail(res, 400, 'UnknownOperationException', `unsupported operation ${target}`);
    }
  }

  const port = await listen(server, options.port);
  const endpoint = `http://${LOOPBACK}:${port}`;
  return {
    endpoint,
    clientConfig: { ...LOCAL_CLIENT_CONFIG, credentials: { ...LOCAL_CLIENT_CONFIG.credentials }, endpoint },
    executions,
    taskSuccesses,
    expireTaskToken: (token) => expired.add(token),
    reset() {
      executions.length = 0;
      taskSuccesses.length = 0;
      expired.clear();
    },
    stop: () => close(server),
  };
}

function ok(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: `com.amazonaws.states#${type}`, message }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
