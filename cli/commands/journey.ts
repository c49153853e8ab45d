/**
 * `herald journey pause|resume|drain|stop <id> --table <name>`: changes a journey's control
 * (engine/journey-control.ts) through the control Lambda's own handler (functions/handlers/control.ts),
 * run here with the real SDK (credentials and region from the default chain, as the AWS CLI finds
 * them) against the deployed table, or `--endpoint` a local stand-in. The same item, the same rules
 * and the same answers as `PUT /journeys/{id}/control`. The journeys it knows are those of workflows/.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ControlAction } from '../../engine/journey-control.ts';
import { journeyRegistryOf } from '../../functions/adapters/deployed-config.ts';
import { DynamoJourneyControls } from '../../functions/adapters/dynamo-controls.ts';
import { createControlHandler } from '../../functions/handlers/control.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import { loadJourneys } from '../../local/journeys.ts';

export interface JourneyControlOptions {
  table: string;
  region?: string;
  endpoint?: string;
  note?: string;
}

export { registerJourney } from '../program.ts';

/** `herald journey <action> <id>` (cli/program.ts). */
export function journeyControlCommand(action: ControlAction) {
  return async (journeyId: string, options: JourneyControlOptions): Promise<void> => {
    process.exitCode = await controlJourney(action, journeyId, options);
  };
}

interface Answer {
  previous?: string;
  state?: string;
  changed?: boolean;
  message?: string;
  suggestion?: string;
  problems?: { message: string; suggestion?: string }[];
}

async function controlJourney(action: ControlAction, journeyId: string, options: JourneyControlOptions) {
  const client = new DynamoDBClient({
    maxAttempts: 5,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    const handler = createControlHandler({
      journeys: journeyRegistryOf(loadJourneys()),
      controls: new DynamoJourneyControls({ client, tableName: options.table }),
      logger: createLogger('control', { logLevel: 'SILENT' }),
      metrics: createMetrics('control', { silent: true }),
    });
    const body = JSON.stringify({ action, ...(options.note ? { note: options.note } : {}) });
    const response = await handler({ body, pathParameters: { id: journeyId } });
    const answer = JSON.parse(response.body) as Answer;
    if (response.statusCode === 200) {
      process.stdout.write(
        answer.changed
          ? `✓ ${journeyId}: ${answer.previous} → ${answer.state} (table ${options.table})\n`
          : `✓ ${journeyId} is already ${answer.state}; nothing changed\n`,
      );
      return 0;
    }
    const lines = answer.problems
      ? answer.problems.map((p) => `${p.message}${p.suggestion ? `\n  ${p.suggestion}` : ''}`)
      : [`${answer.message ?? 'refused'}${answer.suggestion ? `\n  ${answer.suggestion}` : ''}`];
    process.stderr.write(`✗ ${lines.join('\n✗ ')}\n`);
    return 1;
  } catch (error) {
    const { name, message } = error as Error;
    process.stderr.write(`✗ could not change ${journeyId} in table ${options.table}: ${name}: ${message}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
