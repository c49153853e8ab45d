/**
 * bench/demo-profile.ts: the component a sampled frame's source belongs to, and the self time
 * summed by component over several threads' profiles.
 */
import { describe, expect, it } from 'vitest';
import { type CpuProfile, componentOf, selfTimeByComponent } from '../../bench/demo-profile.ts';

const frame = (id: number, url: string, functionName = 'f', lineNumber = 0, columnNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber, columnNumber },
});

describe('where the demo’s CPU goes, by component', () => {
  it('names the component of a source path as the bundle’s source maps give it', () => {
    expect(componentOf('../../node_modules/@smithy/core/dist-es/submodules/client/index.js')).toMatch(
      /^AWS SDK/,
    );
    expect(componentOf('../../node_modules/@aws-sdk/lib-dynamodb/dist-es/commands/GetCommand.js')).toMatch(
      /^AWS SDK/,
    );
    expect(componentOf('../../node_modules/dynalite/db/index.js')).toMatch(/^dynalite/);
    expect(componentOf('../../node_modules/level-transcoder/lib/encodings.js')).toMatch(/^dynalite/);
    expect(componentOf('../../node_modules/luxon/src/datetime.js')).toBe('luxon');
    expect(componentOf('../../node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js')).toBe(
      '@aws-lambda-powertools/logger',
    );
    expect(componentOf('../../functions/app/send.ts')).toBe('Herald functions/');
    expect(componentOf('file:///work/main/engine/policy/channels.ts')).toBe('Herald engine/');
    expect(componentOf('node:internal/crypto/hash')).toBe('Node internals');
  });

  it('sums each node’s samples by component, across threads, through the source map', () => {
    const bundle = 'file:///x/dist/demo/chunk-A.js';
    const main: CpuProfile = {
      nodes: [
        frame(1, '', '(root)'),
        frame(2, bundle, 'send', 10, 5),
        frame(3, bundle, 'get', 20, 0),
        frame(4, '', '(garbage collector)'),
      ],
      samples: [2, 2, 3, 4, 1],
      timeDeltas: [100, 100, 50, 30, 7],
    };
    const worker: CpuProfile = {
      nodes: [frame(1, bundle, 'send', 10, 5), frame(2, 'node:internal/streams/readable')],
      samples: [1, 2, 1],
      timeDeltas: [40, 60, 40],
    };
    const sources = new Map([
      ['10:5', '../../node_modules/@smithy/core/dist-es/index.js'],
      ['20:0', '../../node_modules/dynalite/db/index.js'],
    ]);
    const totals = selfTimeByComponent([main, worker], (url, line, column) =>
      url === bundle ? sources.get(`${line}:${column}`) : undefined,
    );
    expect(Object.fromEntries(totals)).toEqual({
      'AWS SDK (@smithy, @aws-sdk, @aws-crypto)': 280,
      'dynalite and its storage (level, memdown)': 50,
      '(garbage collector)': 30,
      '(root)': 7,
      'Node internals': 60,
    });
  });
});
