/**
 * Reads a DynamoDB table export in S3 (DYNAMODB_JSON): the audience Map's export branch hands the
 * audience Lambda the keys of data files, and this reads their profiles. Read-only.
 *
 * Layout ("DynamoDB table export output format"):
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-files.json   JSON lines, one `{ dataFileS3Key, itemCount, … }` per file
 *   <prefix>/AWSDynamoDB/<ExportId>/data/<name>.json.gz    gzip'd JSON lines, one `{"Item": {…DynamoDB JSON…}}` each
 * An empty partition may leave an empty data file. `dataFileS3Key` is written from `AWSDynamoDB/`
 * on (the docs' example has no prefix), so a key is matched by its tail.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html
 *
 * Items are unmarshalled with @aws-sdk/util-dynamodb's default options, as the DocumentClient the
 * Scan path reads through does, so both paths see the same profile values.
 */

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Profile } from '../../engine/data.ts';
import type { AudienceExportReader } from '../ports.ts';
import { profileOfItem } from './dynamo-audience.ts';

export class ExportFileError extends Error {
  override readonly name = 'ExportFileError';
  constructor(
    readonly code: 'not_an_export_data_file' | 'malformed_export_line' | 'malformed_manifest',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DATA_FILE = /^(.*\/)?(AWSDynamoDB\/[^/]+)\/data\/[^/]+$/;

/** The key's prefix and `AWSDynamoDB/<ExportId>` parts; an error for a key that is no data file. */
function dataFileMatch(key: string): RegExpExecArray {
  const match = DATA_FILE.exec(key);
  if (!match)
    throw new ExportFileError(
      'not_an_export_data_file',
      `${key} is not <prefix>/AWSDynamoDB/<ExportId>/data/<file>`,
    );
  return match;
}

export class S3ExportReader implements AudienceExportReader {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async dataFiles(dataFileKey: string): Promise<string[]> {
    const match = dataFileMatch(dataFileKey);
    const root = `${match[1] ?? ''}${match[2]}`;
    const manifestKey = `${root}/manifest-files.json`;
    const keys: string[] = [];
    let line = 0;
    for await (const text of this.lines(manifestKey, false)) {
      line++;
      if (text.trim() === '') continue;
      let entry: { dataFileS3Key?: unknown };
      try {
        entry = JSON.parse(text);
      } catch (cause) {
        throw new ExportFileError('malformed_manifest', `${manifestKey} line ${line}: not JSON`, { cause });
      }
      if (typeof entry.dataFileS3Key !== 'string')
        throw new ExportFileError('malformed_manifest', `${manifestKey} line ${line}: no dataFileS3Key`);
      const key = entry.dataFileS3Key;
      keys.push(key.startsWith(root) ? key : `${match[1] ?? ''}${key}`);
    }
    return keys;
  }

  async *profiles(dataFileKey: string, options: { pageSize?: number } = {}): AsyncGenerator<Profile[]> {
    dataFileMatch(dataFileKey);
    const pageSize = options.pageSize ?? 200;
    let page: Profile[] = [];
    let line = 0;
    for await (const text of this.lines(dataFileKey, true)) {
      line++;
      if (text.trim() === '') continue;
      let item: Record<string, unknown>;
      try {
        const parsed = JSON.parse(text) as { Item?: Record<string, AttributeValue> };
        if (!parsed.Item || typeof parsed.Item !== 'object') throw new Error('no "Item" object');
        item = unmarshall(parsed.Item);
      } catch (cause) {
        // The line number, never its content: an item is a customer's data.
        throw new ExportFileError(
          'malformed_export_line',
          `${dataFileKey} line ${line}: not a DynamoDB JSON {"Item": …}`,
          { cause },
        );
      }
      const profile = profileOfItem(item);
      if (!profile) continue;
      page.push(profile);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** The object's lines, gunzipped when `gzip`, streamed (a data file can be large). */
  private async *lines(key: string, gzip: boolean): AsyncGenerator<string> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const body = out.Body as Readable | undefined;
    // An empty partition's file may be empty: no gzip header to read, and no items.
    if (!body || out.ContentLength === 0) {
      body?.resume();
      return;
    }
    const text = gzip ? body.pipe(createGunzip()) : body;
    if (gzip) body.on('error', (e) => text.destroy(e));
    yield* createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY });
  }
}
