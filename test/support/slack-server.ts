import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedSlackRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the stand-in answers to one request; after the script runs out it answers 200 "ok". */
export type SlackReply = { status: 200 } | { status: 429; retryAfterSeconds: number } | { status: number; body?: string };

export interface SlackStandIn {
  /** The webhook URL, with a secret-looking path, so tests can check it never reaches a log. */
  readonly webhookUrl: string;
  readonly requests: RecordedSlackRequest[];
  /** Answers for the next requests, in order. */
  script(...replies: SlackReply[]): void;
  /** Answer every request with this from now on (e.g. Slack down: 500). */
  always(reply: SlackReply): void;
  stop(): Promise<void>;
}

/** A local Slack incoming-webhook stand-in on 127.0.0.1 that records requests and answers as scripted. */
export async function startSlackStandIn(): Promise<SlackStandIn> {
  const requests: RecordedSlackRequest[] = [];
  let scripted: SlackReply[] = [];
  let fallback: SlackReply = { status: 200 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = scripted.shift() ?? fallback;
      if (reply.status === 429 && 'retryAfterSeconds' in reply) {
        response.writeHead(429, { 'retry-after': String(reply.retryAfterSeconds), 'content-type': 'text/plain' }).end('rate_limited');
      } else if (reply.status === 200) {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else {
        response.writeHead(reply.status, { 'content-type': 'text/plain' }).end('body' in reply ? (reply.body ?? '') : 'error');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    webhookUrl: `http://127.0.0.1:${port}/services/T0SECRET/B0SECRET/xoxSecretWebhookToken`,
    requests,
    script: (...replies) => {
      scripted = replies;
    },
    always: (reply) => {
      scripted = [];
      fallback = reply;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A loopback port nothing listens on (bound, then released), for "webhook unreachable" cases. */
export async function unusedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
