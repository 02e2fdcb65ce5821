import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startFauxqs, type LocalSnsSqs } from './fauxqs';

/**
 * A real S3-compatible server for tests: fauxqs (its S3 API, path-style) in a child process on 127.0.0.1, behind a
 * small HTTP proxy that records every request and can answer chosen objects with S3's own error responses (503
 * SlowDown, 403 AccessDenied with any message), which fauxqs cannot produce. Point the code under test at
 * `endpoint` (the proxy); `direct` is fauxqs itself, for setting up buckets and objects.
 */
export interface LocalS3 {
  /** The proxy's URL. */
  readonly endpoint: string;
  /** A client of fauxqs itself (path-style), for setup. */
  readonly direct: S3Client;
  /** Every request the proxy received, in order: method, decoded path (/bucket/key) and query parameters. */
  readonly requests: RecordedRequest[];
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  /** Answers the next `times` requests for this object with an S3 error instead of forwarding them. */
  failObject(bucket: string, key: string, error: S3ErrorResponse, times?: number): void;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface S3ErrorResponse {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export const SLOW_DOWN: S3ErrorResponse = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
export const ACCESS_DENIED: S3ErrorResponse = { status: 403, code: 'AccessDenied', message: 'Access Denied' };

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startLocalS3(): Promise<LocalS3> {
  const fauxqs: LocalSnsSqs = await startFauxqs();
  const upstream = new URL(fauxqs.endpoint);
  const direct = new S3Client({
    endpoint: fauxqs.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, S3ErrorResponse[]>();

  const proxy = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: request.method ?? 'GET', path, query: url.searchParams });
    const fault = faults.get(path)?.shift();
    if (fault !== undefined) {
      request.resume();
      response.writeHead(fault.status, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(fault.code)}</Code><Message>${xml(fault.message)}</Message><RequestId>TESTREQUEST</RequestId><HostId>test</HostId></Error>`,
      );
      return;
    }
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
      },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    direct,
    requests,
    async createBucket(bucket) {
      await direct.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async put(bucket, key, body) {
      await direct.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    },
    failObject(bucket, key, error, times = 1) {
      const path = `/${bucket}/${key}`;
      faults.set(path, [...(faults.get(path) ?? []), ...Array.from({ length: times }, () => error)]);
    },
    async stop() {
      direct.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await fauxqs.stop();
    },
  };
}
