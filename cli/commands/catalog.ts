/**
 * `herald catalog import products.csv|products.json --table <name>`: loads the product catalog
 * into a deployed table with the real SDK (credentials and region from the default chain, as the
 * AWS CLI finds them). The whole file is validated first; when anything is wrong nothing is written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoCatalog } from '../../functions/adapters/dynamo-catalog.ts';
import { CatalogWriteError } from '../../functions/ports.ts';
import { formatCatalogProblems, readCatalogFile } from '../catalog-files.ts';

interface ImportOptions {
  table: string;
  region?: string;
  endpoint?: string;
  dryRun?: boolean;
}

export { registerCatalog } from '../program.ts';

/** `herald catalog import <file> --table <name>` (cli/program.ts). */
export async function catalogImportCommand(file: string, options: ImportOptions): Promise<void> {
  process.exitCode = await importCatalog(file, options);
}

async function importCatalog(file: string, options: ImportOptions): Promise<number> {
  const read = await readCatalogFile(file);
  if (!read.ok) {
    process.stderr.write(`${formatCatalogProblems(read.problems)}\n`);
    const count = read.problems.length;
    process.stderr.write(`✗ ${count} problem${count === 1 ? '' : 's'} in ${file}; nothing was written\n`);
    return 1;
  }
  const { products } = read;
  const replenishable = products.filter((p) => p.replenishmentDays !== undefined).length;
  const counts = `${products.length} products (${replenishable} with a replenishment cycle)`;
  if (options.dryRun) {
    process.stdout.write(`✓ ${file}: ${counts} are valid; nothing written (--dry-run)\n`);
    return 0;
  }
  const client = new DynamoDBClient({
    maxAttempts: 5,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    const summary = await new DynamoCatalog({ client, tableName: options.table }).putProducts(products);
    const requests = `${summary.requests} BatchWriteItem request${summary.requests === 1 ? '' : 's'}`;
    process.stdout.write(`✓ wrote ${counts} to table ${options.table} in ${requests}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CatalogWriteError) {
      process.stderr.write(
        `✗ wrote ${error.written} of ${products.length} products; DynamoDB left ${error.remaining} unprocessed. Run the same command again: importing is idempotent.\n`,
      );
      return 1;
    }
    const { name, message } = error as Error;
    process.stderr.write(`✗ could not write to table ${options.table}: ${name}: ${message}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
