/**
 * A stand-in for DynamoDB's ExportTableToPointInTime (DYNAMODB_JSON, full export): reads every item
 * of a table (dynalite, through the real client's Scan, marshalled as DynamoDB JSON) and writes the
 * layout an export leaves in S3, through the real S3 client:
 *
 *   <prefix>/AWSDynamoDB/<ExportId>/_started
 *   <prefix>/AWSDynamoDB/<ExportId>/data/<name>.json.gz    gzip'd JSON lines of {"Item": {...}}
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-files.json    JSON lines: itemCount, md5Checksum, etag, dataFileS3Key
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json
 *
 * Items are spread over `files` data files by a hash of their partition key (an export writes at
 * least one file per partition, each from that partition's hashed keyspace); a file may be empty.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html
 * The ExportArn is `<table ARN>/export/<ExportId>`, as DescribeExport returns it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface LocalExportRequest {
  dynamo: DynamoDBClient;
  tableName: string;
  s3: S3Client;
  bucket: string;
  prefix: string;
  /** `<ExportId>`, deterministic for a test (DynamoDB makes `<13 digits>-<8 hex>`). */
  exportId: string;
  exportTime: string;
  files?: number;
  /** Leave a file with zero bytes for an empty partition (DynamoDB may), instead of an empty gzip. */
  emptyFilesAsZeroBytes?: boolean;
  tableArn?: string;
}

export interface LocalExportResult {
  ExportArn: string;
  ExportStatus: 'COMPLETED';
  ItemCount: number;
  dataFileKeys: string[];
}

export async function exportTableToS3(request: LocalExportRequest): Promise<LocalExportResult> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await request.dynamo.send(
      new ScanCommand({ TableName: request.tableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const files = request.files ?? 4;
  const parts: string[][] = Array.from({ length: files }, () => []);
  for (const item of items) {
    const pk = item.pk?.S ?? '';
    const h = createHash('md5').update(pk).digest().readUInt32BE(0);
    parts[h % files]?.push(JSON.stringify({ Item: item }));
  }
  const root = `${request.prefix}/AWSDynamoDB/${request.exportId}`;
  const put = (Key: string, Body: Buffer | string) =>
    request.s3.send(new PutObjectCommand({ Bucket: request.bucket, Key, Body }));
  await put(`${root}/_started`, Buffer.alloc(0));
  const manifest: string[] = [];
  const dataFileKeys: string[] = [];
  for (const [i, lines] of parts.entries()) {
    const name = createHash('sha256').update(`${request.exportId}/${i}`).digest('hex').slice(0, 26);
    const relative = `AWSDynamoDB/${request.exportId}/data/${name}.json.gz`;
    const body =
      lines.length === 0 && request.emptyFilesAsZeroBytes
        ? Buffer.alloc(0)
        : gzipSync(lines.map((l) => `${l}\n`).join(''));
    await put(`${request.prefix}/${relative}`, body);
    dataFileKeys.push(`${request.prefix}/${relative}`);
    manifest.push(
      JSON.stringify({
        itemCount: lines.length,
        md5Checksum: createHash('md5').update(body).digest('base64'),
        etag: createHash('md5').update(body).digest('hex'),
        dataFileS3Key: relative,
      }),
    );
  }
  await put(`${root}/manifest-files.json`, `${manifest.join('\n')}\n`);
  const tableArn = request.tableArn ?? `arn:aws:dynamodb:us-east-1:000000000000:table/${request.tableName}`;
  const exportArn = `${tableArn}/export/${request.exportId}`;
  await put(
    `${root}/manifest-summary.json`,
    JSON.stringify({
      version: '2020-06-30',
      exportArn,
      startTime: request.exportTime,
      endTime: request.exportTime,
      tableArn,
      exportTime: request.exportTime,
      s3Bucket: request.bucket,
      s3Prefix: request.prefix,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: `AWSDynamoDB/${request.exportId}/manifest-files.json`,
      billedSizeBytes: 0,
      itemCount: items.length,
      outputFormat: 'DYNAMODB_JSON',
    }),
  );
  return { ExportArn: exportArn, ExportStatus: 'COMPLETED', ItemCount: items.length, dataFileKeys };
}
