import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * The Events API v2 event, written from PagerDuty's "Send an Alert Event" reference: routing_key (the 32-character
 * integration key), event_action, dedup_key (at most 255 characters); a trigger needs payload.summary (at most 1024
 * characters), payload.source and payload.severity (critical, error, warning or info); links are {href, text}.
 */
const link = z.object({ href: z.url(), text: z.string().optional() }).strict();
const payload = z
  .object({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
    timestamp: z.iso.datetime().optional(),
    component: z.string().optional(),
    group: z.string().optional(),
    class: z.string().optional(),
    custom_details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const PAGERDUTY_EVENT_SCHEMA = z.discriminatedUnion('event_action', [
  z
    .object({
      routing_key: z.string().length(32),
      event_action: z.literal('trigger'),
      dedup_key: z.string().max(255).optional(),
      payload,
      client: z.string().optional(),
      client_url: z.url().optional(),
      links: z.array(link).optional(),
      images: z.array(z.unknown()).optional(),
    })
    .strict(),
  z
    .object({ routing_key: z.string().length(32), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) })
    .strict(),
]);
export type PagerDutyEventSent = z.infer<typeof PAGERDUTY_EVENT_SCHEMA>;

export type PagerDutyReply = { status: 202 } | { status: 429 } | { status: number };

export interface PagerDutyStandIn {
  readonly eventsUrl: string;
  /** Routing keys of the stand-in's integrations; others get 400 like an unknown key. */
  readonly routingKey: string;
  /** Accepted events, in order. */
  readonly events: PagerDutyEventSent[];
  readonly requests: number;
  script(...replies: PagerDutyReply[]): void;
  stop(): Promise<void>;
}

const ROUTING_KEY = 'R0UT1NGKEYSTANDIN0000000000000AB';

/** A local Events API v2 stand-in: checks each event against the documented schema, answers as PagerDuty does. */
export async function startPagerDutyStandIn(): Promise<PagerDutyStandIn> {
  const events: PagerDutyEventSent[] = [];
  let scripted: PagerDutyReply[] = [];
  let requests = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests += 1;
      const json = (status: number, body: Record<string, unknown>) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const reply = scripted.shift() ?? { status: 202 };
      if (reply.status === 429)
        return json(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' });
      if (reply.status >= 500) return response.writeHead(reply.status).end();
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] });
      }
      const event = PAGERDUTY_EVENT_SCHEMA.safeParse(parsed);
      if (!event.success) {
        const errors = event.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
        return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
      }
      if (event.data.routing_key !== ROUTING_KEY) {
        return json(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] });
      }
      events.push(event.data);
      return json(202, { status: 'success', message: 'Event processed', dedup_key: event.data.dedup_key ?? 'generated' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    eventsUrl: `http://127.0.0.1:${port}/v2/enqueue`,
    routingKey: ROUTING_KEY,
    events,
    get requests() {
      return requests;
    },
    script: (...replies) => {
      scripted = replies;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
