/**
 * EventBridge Scheduler has no emulator; this loopback stand-in answers the two REST calls the
 * timers adapter makes (`POST /schedules/{Name}` = CreateSchedule, `DELETE /schedules/{Name}` =
 * DeleteSchedule: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html)
 * so the real `@aws-sdk/client-scheduler` runs. A name already taken answers 409 ConflictException,
 * a missing one 404 ResourceNotFoundException, as Scheduler does.
 *
 * Each schedule is a timer on the simulated clock (`bind`): at its `at()` time it deletes itself
 * (ActionAfterCompletion DELETE) and hands `Target.Input` to the target — the fire handler, called
 * in-process exactly as Scheduler would invoke the Lambda.
 *
 * Tests can script what a real Scheduler may do: lose a schedule (accepted, never fires), fire late,
 * fire twice.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK, listen } from './net.ts';

export interface StoredSchedule {
  name: string;
  groupName: string;
  expression: string;
  dueMs: number;
  input: string;
  targetArn: string;
  actionAfterCompletion?: string;
  flexibleTimeWindow?: { Mode?: string };
  retryPolicy?: unknown;
  deadLetterArn?: string;
}

export type ScheduleFault = 'lose' | 'duplicate' | { lateMs: number };

export interface SchedulerBinding {
  /** Runs `work` as tracked work at a simulated instant (SimClock.at). */
  at(time: Date, work: () => Promise<unknown>, key?: string): void;
  /** The schedule's target: what Scheduler invokes with `Target.Input`. */
  fire(input: unknown): Promise<unknown>;
}

export interface SchedulerStandIn {
  endpoint: string;
  clientConfig: typeof LOCAL_CLIENT_CONFIG & { endpoint: string };
  bind(binding: SchedulerBinding): void;
  /** Schedules created and not yet fired or deleted. */
  pending(): StoredSchedule[];
  /** Every CreateSchedule accepted (the request as stored). */
  created(): StoredSchedule[];
  /** Every invocation of the target: which schedule, at which simulated ms. */
  fired(): { name: string; atMs: number }[];
  /** What happens to the next schedules created (in order). */
  injectFaults(...faults: ScheduleFault[]): void;
  stop(): Promise<void>;
}

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

export async function startSchedulerStandIn(): Promise<SchedulerStandIn> {
  const schedules = new Map<string, StoredSchedule>();
  const created: StoredSchedule[] = [];
  const fired: { name: string; atMs: number }[] = [];
  const faults: ScheduleFault[] = [];
  let binding: SchedulerBinding | undefined;

  const key = (group: string, name: string) => `${group}/${name}`;

  const arm = (schedule: StoredSchedule, fault: ScheduleFault | undefined) => {
    if (!binding || fault === 'lose') return;
    const b = binding;
    const lateMs = typeof fault === 'object' ? fault.lateMs : 0;
    let invoked = false;
    const invoke = async (again: boolean) => {
      if (again) {
        // At-least-once delivery: the same invocation once more, right after the first.
        if (!invoked) return;
      } else {
        // A deleted schedule never fires; a one-time schedule with DELETE is gone after its invocation.
        if (schedules.get(key(schedule.groupName, schedule.name)) !== schedule) return;
        if (schedule.actionAfterCompletion === 'DELETE')
          schedules.delete(key(schedule.groupName, schedule.name));
        invoked = true;
      }
      fired.push({ name: schedule.name, atMs: Date.now() });
      await b.fire(JSON.parse(schedule.input));
    };
    const customer = (JSON.parse(schedule.input) as { customerId?: string }).customerId;
    b.at(new Date(schedule.dueMs + lateMs), () => invoke(false), customer);
    if (fault === 'duplicate') b.at(new Date(schedule.dueMs + lateMs), () => invoke(true), customer);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  function reply(res: ServerResponse, status: number, body: unknown, errorType?: string) {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!match) return reply(res, 404, { Message: 'unknown path' }, 'ResourceNotFoundException');
    const name = decodeURIComponent(match[1]!);
    if (req.method === 'POST') {
      const request = JSON.parse(body || '{}') as {
        GroupName?: string;
        ScheduleExpression?: string;
        ActionAfterCompletion?: string;
        FlexibleTimeWindow?: { Mode?: string };
        Target?: { Arn?: string; Input?: string; RetryPolicy?: unknown; DeadLetterConfig?: { Arn?: string } };
      };
      const groupName = request.GroupName ?? 'default';
      const at = AT.exec(request.ScheduleExpression ?? '');
      if (!at || !request.Target?.Arn) {
        return reply(
          res,
          400,
          { Message: 'expected at(yyyy-mm-ddThh:mm:ss) and a target' },
          'ValidationException',
        );
      }
      if (schedules.has(key(groupName, name))) {
        return reply(res, 409, { Message: `Schedule ${name} already exists.` }, 'ConflictException');
      }
      const schedule: StoredSchedule = {
        name,
        groupName,
        expression: request.ScheduleExpression ?? '',
        dueMs: Date.parse(`${at[1]}Z`),
        input: request.Target.Input ?? '{}',
        targetArn: request.Target.Arn,
        ...(request.ActionAfterCompletion ? { actionAfterCompletion: request.ActionAfterCompletion } : {}),
        ...(request.FlexibleTimeWindow ? { flexibleTimeWindow: request.FlexibleTimeWindow } : {}),
        ...(request.Target.RetryPolicy ? { retryPolicy: request.Target.RetryPolicy } : {}),
        ...(request.Target.DeadLetterConfig?.Arn
          ? { deadLetterArn: request.Target.DeadLetterConfig.Arn }
          : {}),
      };
      schedules.set(key(groupName, name), schedule);
      created.push(schedule);
      arm(schedule, faults.shift());
      return reply(res, 200, {
        ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${groupName}/${name}`,
      });
    }
    if (req.method === 'DELETE') {
      const groupName = url.searchParams.get('groupName') ?? 'default';
      if (!schedules.delete(key(groupName, name))) {
        return reply(res, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
      }
      return reply(res, 200, {});
    }
    return reply(res, 405, { Message: 'method not allowed' }, 'ValidationException');
  }

  const port = await listen(server);
  const endpoint = `http://${LOOPBACK}:${port}`;
  return {
    endpoint,
    clientConfig: { ...LOCAL_CLIENT_CONFIG, endpoint },
    bind(next) {
      binding = next;
    },
    pending: () => [...schedules.values()],
    created: () => [...created],
    fired: () => [...fired],
    injectFaults: (...next) => {
      faults.push(...next);
    },
    stop: () => close(server),
  };
}
