/**
 * What each handler factory needs. local/ and tests build these with real SDK clients pointed at
 * stand-ins; the Lambda entries build them from the environment (functions/env.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Segment } from '../engine/audience/segment.ts';
import type { PolicyConfig, Renderer } from '../engine/policy/index.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import type {
  AudienceExportReader,
  AudienceReader,
  CatalogWriter,
  Clock,
  EmailSender,
  ErasureGate,
  ExecutionStarter,
  JourneyControls,
  JourneyRegistry,
  MessagingSender,
  RunStore,
  SegmentStarter,
  Store,
  TimerScheduler,
} from './ports.ts';

/** What every handler may be given; the defaults are filled in by functions/app/runtime.ts. */
export interface ObservedDeps {
  /** Defaults to the system clock (which local/ fakes). */
  clock?: Clock;
  /** Defaults to a Powertools Logger with personal-data redaction. */
  logger?: Logger;
  /** Defaults to Powertools Metrics, namespace `Herald`. */
  metrics?: Metrics;
  /**
   * The built-in vocabulary merged with workflows/data.json (engine/vocabulary.ts): the event types
   * ingest accepts, the attributes events may set, and the `pii` attributes the logger redacts.
   * Defaults to the built-in vocabulary alone.
   */
  vocabulary?: Vocabulary;
}

export interface BaseDeps extends ObservedDeps {
  store: Store;
}

/** Scale mode (docs/scale-mode.md): the run items, the timers and the Express segments. */
export interface ScaleDeps {
  runs: RunStore;
  timers: TimerScheduler;
  segments: SegmentStarter;
}

/** The audience Lambda: one ItemBatcher batch of scan segments of an audience journey's tick. */
export interface AudienceHandlerDeps extends BaseDeps {
  journeys: JourneyRegistry;
  executions: ExecutionStarter;
  config: PolicyConfig;
  controls?: JourneyControls;
  segments: ReadonlyMap<string, Segment>;
  reader: AudienceReader;
  /** The export bucket's reader (the Map's export branch); without it an export batch fails. */
  exports?: AudienceExportReader;
  /** Needed when an audience journey runs in scale mode. */
  scale?: ScaleDeps;
}

export interface IngestDeps extends BaseDeps {
  journeys: JourneyRegistry;
  executions: ExecutionStarter;
  /** Needed when any journey runs in scale mode. */
  scale?: ScaleDeps;
  config: PolicyConfig;
  /** Operator controls (drain / stop refuse entrants); without them every journey is active. */
  controls?: JourneyControls;
  /** Refuses the events of erased customers (functions/app/privacy.ts); without it nothing is refused. */
  erasures?: ErasureGate;
  /** Audience segments by id, for event journeys with `entry.inSegment` (engine/audience/). */
  segments?: ReadonlyMap<string, Segment>;
  /** The Segment write key `/v1/*` accepts (read on the first Segment request); without it they answer 401. */
  segmentWriteKey?: () => Promise<string>;
}

export interface UnsubscribeLinkConfig {
  /** The public unsubscribe endpoint, e.g. `https://api.example.com/unsubscribe`; `?token=` is appended. */
  baseUrl: string;
  /** Optional `mailto:` address for the List-Unsubscribe fallback, e.g. `unsubscribe@example.com`. */
  mailto?: string;
  /** Signing secrets; the first signs. */
  secrets: string[];
  /** Link lifetime (default 365 days). */
  ttlDays?: number;
}

export interface StepDeps extends BaseDeps {
  journeys: JourneyRegistry;
  config: PolicyConfig;
  email: EmailSender;
  messaging: MessagingSender;
  unsubscribe: UnsubscribeLinkConfig;
  /**
   * Optional: lets a `waitForEvent` step resume itself when the awaited event arrived just before
   * its token was stored (ingest found no token to resume). Needs states:SendTaskSuccess.
   */
  executions?: ExecutionStarter;
  /** Defaults to one renderer per handler (templates parsed once). */
  renderer?: Renderer;
  /** How long a step claim is held before another invocation may take it over (default 5 min). */
  leaseMs?: number;
  /** Operator controls (pause holds sends, stop exits); without them every journey is active. */
  controls?: JourneyControls;
  /** Scale mode: `arm` records the run and creates its timer; a segment that ends the journey finishes the run. */
  scale?: ScaleDeps;
}

/** The fire Lambda (EventBridge Scheduler's target) and the reconciler. */
export interface FireDeps extends BaseDeps {
  journeys: JourneyRegistry;
  scale: ScaleDeps;
  /** Reconciler: how far back to look, and how late a timer may be before it counts as lost. */
  reconcile?: { lookbackMs?: number; graceMs?: number };
}

export interface FeedbackDeps extends BaseDeps {}

/** The `PUT /products` Lambda writes the catalog and reads nothing else. */
export interface CatalogDeps extends ObservedDeps {
  catalog: CatalogWriter;
}

/** The `PUT /journeys/{id}/control` Lambda: the journeys it may control, and their control records. */
export interface ControlDeps extends ObservedDeps {
  journeys: JourneyRegistry;
  controls: JourneyControls;
}

export interface UnsubscribeDeps extends BaseDeps {
  /** Verification secrets (any may verify, for rotation). */
  secrets: string[];
}
