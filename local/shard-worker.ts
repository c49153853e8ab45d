/** A worker thread running one shard of the demo (see demo.ts); posts progress, then the records. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ShardOptions, simulateShard } from './shard.ts';

const port = parentPort;
if (!port) throw new Error('shard-worker.ts runs as a worker thread');
const options = (workerData as { options: Omit<ShardOptions, 'start'> & { start: string } }).options;
const { result, system } = await simulateShard({ ...options, start: new Date(options.start) }, (progress) =>
  port.postMessage({ type: 'progress', progress }),
);
await system.stop();
port.postMessage({ type: 'result', result });
