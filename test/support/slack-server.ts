import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedSlackRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * What the stand-in answers to one request; after the script runs out it answers 200 "ok" (webhook) or does what
 * Slack does (Web API). `apiError`: a Web API answer `{"ok": false, "error": apiError}` with HTTP 200, as Slack sends.
 */
export type SlackReply =
  { status: 200 } | { status: 429; retryAfterSeconds: number } | { status: number; body?: string } | { apiError: string };

/** A message the Web API stand-in holds, as conversations.history would show it. */
export interface SlackStandInMessage {
  readonly ts: string;
  readonly thread_ts?: string;
  text: string;
  blocks: unknown[];
  /** How many times chat.update changed it. */
  edits: number;
}

export interface SlackStandIn {
  /** The webhook URL, with a secret-looking path, so tests can check it never reaches a log. */
  readonly webhookUrl: string;
  readonly requests: RecordedSlackRequest[];
  /** Answers for the next requests, in order. */
  script(...replies: SlackReply[]): void;
  /** Answer every request with this from now on (e.g. Slack down: 500). */
  always(reply: SlackReply): void;
  /** The Web API base URL (chat.postMessage and chat.update under it). */
  readonly apiUrl: string;
  /** The bot token the Web API accepts; any other is `invalid_auth`. */
  readonly botToken: string;
  /** Channel ids that exist and have the bot as a member. */
  readonly channels: readonly string[];
  /** A channel that exists but the bot is not in: posts get `not_in_channel`. */
  readonly channelWithoutBot: string;
  /** The messages of a channel, oldest first, replies included. */
  messages(channel: string): SlackStandInMessage[];
  stop(): Promise<void>;
}

const BOT_TOKEN = 'xoxb-1111-2222-standinSecretBotToken';
const CHANNELS = ['C0ALERTS01', 'C0OTHER002'];
const CHANNEL_WITHOUT_BOT = 'C0NOBOT003';

type WebApiAnswer = { status: number; headers?: Record<string, string>; body: Record<string, unknown> };

/** A local Slack incoming-webhook stand-in on 127.0.0.1 that records requests and answers as scripted. */
export async function startSlackStandIn(): Promise<SlackStandIn> {
  const requests: RecordedSlackRequest[] = [];
  let scripted: SlackReply[] = [];
  let fallback: SlackReply = { status: 200 };
  const history = new Map<string, SlackStandInMessage[]>(CHANNELS.map((channel) => [channel, []]));
  let clock = 1_764_000_000;

  /** Slack's chat.postMessage and chat.update, as their method pages describe the answers. */
  function webApi(method: string, authorization: string | undefined, body: string): WebApiAnswer {
    const fail = (error: string): WebApiAnswer => ({ status: 200, body: { ok: false, error } });
    if (authorization !== `Bearer ${BOT_TOKEN}`) return fail(authorization === undefined ? 'not_authed' : 'invalid_auth');
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return fail('invalid_json');
    }
    const channel = String(args.channel ?? '');
    if (channel === CHANNEL_WITHOUT_BOT) return fail('not_in_channel');
    const messages = history.get(channel);
    if (messages === undefined) return fail('channel_not_found');
    if (typeof args.text !== 'string' && !Array.isArray(args.blocks)) return fail('no_text');
    if (method === 'chat.postMessage') {
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      if (threadTs !== undefined && !messages.some((message) => message.ts === threadTs && message.thread_ts === undefined))
        return fail('thread_not_found');
      clock += 1;
      const message: SlackStandInMessage = {
        ts: `${clock}.000100`,
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
        text: String(args.text ?? ''),
        blocks: (args.blocks as unknown[] | undefined) ?? [],
        edits: 0,
      };
      messages.push(message);
      return { status: 200, body: { ok: true, channel, ts: message.ts, message: { type: 'message', text: message.text, ts: message.ts } } };
    }
    if (method === 'chat.update') {
      const message = messages.find((candidate) => candidate.ts === args.ts);
      if (message === undefined) return fail('message_not_found');
      message.text = String(args.text ?? '');
      message.blocks = (args.blocks as unknown[] | undefined) ?? [];
      message.edits += 1;
      return { status: 200, body: { ok: true, channel, ts: message.ts, text: message.text } };
    }
    return { status: 404, body: { ok: false, error: 'unknown_method' } };
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      const isWebApi = (request.url ?? '').startsWith('/api/');
      const reply = scripted.shift() ?? fallback;
      const json = (answer: WebApiAnswer) =>
        response
          .writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
          .end(JSON.stringify(answer.body));
      if ('apiError' in reply) {
        json({ status: 200, body: { ok: false, error: reply.apiError } });
      } else if (reply.status === 429 && 'retryAfterSeconds' in reply) {
        if (isWebApi)
          json({ status: 429, headers: { 'retry-after': String(reply.retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } });
        else response.writeHead(429, { 'retry-after': String(reply.retryAfterSeconds), 'content-type': 'text/plain' }).end('rate_limited');
      } else if (reply.status === 200) {
        if (isWebApi) json(webApi(request.url!.slice('/api/'.length), request.headers.authorization, body));
        else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else {
        response.writeHead(reply.status, { 'content-type': 'text/plain' }).end('body' in reply ? (reply.body ?? '') : 'error');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    webhookUrl: `http://127.0.0.1:${port}/services/T0SECRET/B0SECRET/xoxSecretWebhookToken`,
    apiUrl: `http://127.0.0.1:${port}/api`,
    botToken: BOT_TOKEN,
    channels: CHANNELS,
    channelWithoutBot: CHANNEL_WITHOUT_BOT,
    messages: (channel) => history.get(channel) ?? [],
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
