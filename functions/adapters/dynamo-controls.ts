/**
 * Journey controls in the single table: one item per journey, `JOURNEY#<id>` / `CONTROL`
 * (dynamo-table.ts), written whole with a version condition (a concurrent operator's change is
 * never overwritten unseen) and read with a short cache by ingest and the step function.
 *
 * The cache: a Lambda instance remembers a journey's control for `cacheMs` (5 s deployed,
 * functions/env.ts). A pause, drain or stop therefore takes effect within that many seconds on every
 * instance: a send decided in that window goes out as if the control had come a moment later. No
 * state is lost by a stale read: the next step reads again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTROL_STATES, type ControlState, type JourneyControl } from '../../engine/journey-control.ts';
import type { JourneyControls } from '../ports.ts';
import { DynamoTable } from './dynamo-ops.ts';
import { journeyControlKey } from './dynamo-table.ts';

/** A stale control read of up to this long is accepted by the deployed functions (functions/env.ts). */
export const CONTROL_CACHE_MS = 5_000;

export interface DynamoJourneyControlsOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** How long a read is reused (default 0: every read goes to the table). */
  cacheMs?: number;
  /** The cache's clock (wall time; default Date.now). */
  nowMs?: () => number;
}

export class DynamoJourneyControls implements JourneyControls {
  private readonly table: DynamoTable;
  private readonly cacheMs: number;
  private readonly nowMs: () => number;
  private readonly cache = new Map<string, { at: number; control: JourneyControl | undefined }>();

  constructor(options: DynamoJourneyControlsOptions) {
    this.table = new DynamoTable(options.client, options.tableName);
    this.cacheMs = options.cacheMs ?? 0;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async get(journeyId: string): Promise<JourneyControl | undefined> {
    const cached = this.fresh(journeyId);
    if (cached) return cached.control;
    const { pk, sk } = journeyControlKey(journeyId);
    const control = readControl(await this.table.get(pk, sk));
    this.remember(new Map([[journeyId, control]]));
    return control;
  }

  uncached(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.fresh(id));
  }

  remember(controls: ReadonlyMap<string, JourneyControl | undefined>): void {
    if (this.cacheMs <= 0) return;
    const at = this.nowMs();
    for (const [journeyId, control] of controls) this.cache.set(journeyId, { at, control });
  }

  private fresh(journeyId: string) {
    const cached = this.cache.get(journeyId);
    return cached && this.nowMs() - cached.at < this.cacheMs ? cached : undefined;
  }

  async stateOf(journeyId: string): Promise<ControlState> {
    return (await this.get(journeyId))?.state ?? 'active';
  }

  async put(control: Omit<JourneyControl, 'version'>, expectedVersion: number): Promise<boolean> {
    const { pk, sk } = journeyControlKey(control.journeyId);
    const written = await this.table.putIfVersion(pk, sk, expectedVersion, { ...control });
    this.cache.delete(control.journeyId);
    return written;
  }
}

/** A stored item back to a control; an unknown state (a future one) reads as active, never as a stop. */
export function readControl(item: Record<string, unknown> | undefined): JourneyControl | undefined {
  if (!item) return undefined;
  const state = (CONTROL_STATES as readonly unknown[]).includes(item.state)
    ? (item.state as ControlState)
    : 'active';
  return {
    journeyId: String(item.journeyId),
    state,
    version: Number(item.version ?? 0),
    updatedAt: String(item.updatedAt ?? ''),
    ...(typeof item.note === 'string' ? { note: item.note } : {}),
  };
}
