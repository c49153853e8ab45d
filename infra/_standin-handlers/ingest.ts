// TEMPORARY stand-in for functions/handlers/ingest.ts so infra synthesises before it lands. Delete then.
export async function handler(): Promise<never> {
  throw new Error('functions/handlers/ingest.ts has not landed yet');
}
