import { z } from 'zod';
import { CAUSES } from '../diagnosis/types';
import type { AlertChannel } from './model';
import { BUILT_IN_CHANNELS, UNROUTED_CHANNELS, type Route, type Routing } from './routes';
import type { Severity } from './severity';

/**
 * The routes file (`denyscope local --routes FILE`) and the `routes` value of the stack's configuration (cdk.json
 * context or construct props): one shape, validated here for both. The Lambda never loads this module: it reads the
 * routes the stack validated at synth (core/incidents/routes.ts).
 *
 * {
 *   "channels": { "team-a": { "type": "slack", "secretName": "denyscope/slack-team-a" },
 *                 "security": { "type": "sns", "emails": ["security@example.com"] } },
 *   "accountOrganizationalUnits": { "111122223333": ["r-ab12", "ou-ab12-11111111"] },
 *   "routes": [ { "name": "scp-everywhere", "match": { "causes": ["service-control-policy"] }, "channels": ["security"] },
 *               { "name": "everything-else", "default": true, "channels": ["sns", "slack"] } ]
 * }
 */

/** A channel the routes declare: an SNS topic the stack creates (with optional e-mail subscriptions), or a Slack webhook secret. */
export type RouteChannel =
  { readonly type: 'sns'; readonly emails: readonly string[] } | { readonly type: 'slack'; readonly secretName: string };

export interface RoutesConfig extends Routing {
  /** The declared channels by name; routes may also name the built-in channels (BUILT_IN_CHANNELS). */
  readonly channels: Readonly<Record<string, RouteChannel>>;
}

/** Channel ids the product uses for its own channels (built-in, local, and other notifiers): a declared channel takes none of them. */
const RESERVED_CHANNEL_NAMES = [...BUILT_IN_CHANNELS, 'terminal', ...UNROUTED_CHANNELS];
const SEVERITIES = ['high', 'medium', 'low'] as const satisfies readonly Severity[];

// Channel names become parts of construct ids and SNS topic names: short, lower-case, no surprises.
const channelName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a channel name is a lower-case letter then up to 39 of a-z 0-9 -');
const routeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a route name is 1-64 characters of A-Z a-z 0-9 . _ - ');
const accountId = z.string().regex(/^\d{12}$/, 'not a 12-digit AWS account id');
// Formats from the Organizations API reference (OrganizationalUnit.Id, Root.Id).
const organizationalUnitId = z
  .string()
  .regex(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/, 'not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)');
// A DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) with `*` wildcards.
const tablePattern = z
  .string()
  .regex(/^[A-Za-z0-9_.*-]{1,255}$/, 'a table name pattern is up to 255 of A-Z a-z 0-9 _ . - and * (any run of characters)');
const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name is 1-512 characters of A-Z a-z 0-9 / _ + = . @ -');

const nonEmpty = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).min(1, `give at least one ${what}, or leave the criterion out`);

const matchSchema = z.strictObject({
  accounts: nonEmpty(accountId, 'account id').optional(),
  organizationalUnits: nonEmpty(organizationalUnitId, 'OU id').optional(),
  tables: nonEmpty(tablePattern, 'table name pattern').optional(),
  causes: nonEmpty(z.enum(CAUSES, `not a cause (one of ${CAUSES.join(', ')})`), 'cause').optional(),
  severities: nonEmpty(z.enum(SEVERITIES, `not a severity (one of ${SEVERITIES.join(', ')})`), 'severity').optional(),
});

const routeSchema = z.strictObject({
  name: routeName,
  default: z.boolean('expected true or false').optional(),
  match: matchSchema.optional(),
  channels: z.array(z.string('expected a channel name')).min(1, 'give at least one channel'),
});

const channelSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('sns'), emails: z.array(z.email('not an e-mail address')).default([]) }),
    z.strictObject({ type: z.literal('slack'), secretName }),
  ],
  'expected {"type": "sns", "emails": [...]} or {"type": "slack", "secretName": "..."}',
);

const routesSchema = z.strictObject({
  channels: z.record(z.string(), channelSchema).default({}),
  accountOrganizationalUnits: z.record(z.string(), nonEmpty(organizationalUnitId, 'OU or root id')).default({}),
  routes: z.array(routeSchema).min(1, 'give at least the default route ({"name": ..., "default": true, "channels": [...]})'),
});

/** The routes document as written: what checkRoutes reads (e-mail lists, channels and OU paths optional). */
export interface RoutesInput {
  readonly channels?: Readonly<
    Record<string, { readonly type: 'sns'; readonly emails?: readonly string[] } | { readonly type: 'slack'; readonly secretName: string }>
  >;
  readonly accountOrganizationalUnits?: Readonly<Record<string, readonly string[]>>;
  readonly routes: readonly Route[];
}

/** One problem: the route or channel it belongs to (when it belongs to one), the field, and what is wrong. */
export interface RoutesProblem {
  readonly where: string;
  readonly message: string;
}

export type RoutesResult =
  { readonly ok: true; readonly config: RoutesConfig } | { readonly ok: false; readonly problems: RoutesProblem[] };

/** Validates a routes value; every problem names the route (or channel) and the field. */
export function checkRoutes(input: unknown): RoutesResult {
  const parsed = routesSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({ where: whereOf(issue.path, input), message: describe(issue, input) })),
    };
  }
  const config = parsed.data as RoutesConfig;
  const problems = [...channelProblems(config), ...routeProblems(config)];
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

/** A problem as one line: `route "team-a", match.accounts[0]: not a 12-digit AWS account id ("1234")`. */
export function formatRoutesProblem(problem: RoutesProblem): string {
  return problem.where === '' ? problem.message : `${problem.where}: ${problem.message}`;
}

function channelProblems(config: RoutesConfig): RoutesProblem[] {
  const problems: RoutesProblem[] = [];
  const secretOwners = new Map<string, string>();
  const named = new Set(config.routes.flatMap((route) => route.channels));
  for (const [name, channel] of Object.entries(config.channels)) {
    const where = `channel ${JSON.stringify(name)}`;
    const nameCheck = channelName.safeParse(name);
    if (!nameCheck.success) problems.push({ where, message: nameCheck.error.issues[0].message });
    if (RESERVED_CHANNEL_NAMES.includes(name)) {
      problems.push({ where, message: `the name is the product's own channel id (reserved: ${RESERVED_CHANNEL_NAMES.join(', ')})` });
    }
    if (!named.has(name)) problems.push({ where, message: 'no route names this channel' });
    if (channel.type === 'slack') {
      const owner = secretOwners.get(channel.secretName);
      if (owner !== undefined)
        problems.push({ where: `${where}, secretName`, message: `${channel.secretName} is already the secret of channel "${owner}"` });
      secretOwners.set(channel.secretName, name);
    }
  }
  for (const [account, units] of Object.entries(config.accountOrganizationalUnits)) {
    if (!/^\d{12}$/.test(account))
      problems.push({ where: `accountOrganizationalUnits, ${JSON.stringify(account)}`, message: 'not a 12-digit AWS account id' });
    if (new Set(units).size !== units.length)
      problems.push({ where: `accountOrganizationalUnits, ${JSON.stringify(account)}`, message: 'an OU is listed twice' });
  }
  return problems;
}

function routeProblems(config: RoutesConfig): RoutesProblem[] {
  const problems: RoutesProblem[] = [];
  const known = new Set<AlertChannel>([...BUILT_IN_CHANNELS, ...Object.keys(config.channels)]);
  const knownUnits = new Set(Object.values(config.accountOrganizationalUnits).flat());
  const seen = new Set<string>();
  const defaults = config.routes.filter((route) => route.default === true);
  if (defaults.length !== 1) {
    problems.push({
      where: 'routes',
      message:
        defaults.length === 0
          ? 'no default route: add {"name": ..., "default": true, "channels": [...]} for the alerts no other route matches'
          : `one default route only, got ${defaults.map((route) => JSON.stringify(route.name)).join(', ')}`,
    });
  }
  for (const route of config.routes) {
    const where = (field: string) => `route ${JSON.stringify(route.name)}, ${field}`;
    if (seen.has(route.name)) problems.push({ where: where('name'), message: 'another route has this name' });
    seen.add(route.name);
    route.channels.forEach((channel, index) => {
      if (!known.has(channel)) {
        problems.push({
          where: where(`channels[${index}]`),
          message: `unknown channel ${JSON.stringify(channel)} (declared: ${[...known].join(', ')})`,
        });
      }
    });
    if (new Set(route.channels).size !== route.channels.length)
      problems.push({ where: where('channels'), message: 'a channel is listed twice' });
    problems.push(...matchProblems(route, knownUnits, where));
  }
  return problems;
}

function matchProblems(route: Route, knownUnits: ReadonlySet<string>, where: (field: string) => string): RoutesProblem[] {
  const match = route.match ?? {};
  const criteria = Object.keys(match);
  if (route.default === true) {
    return criteria.length > 0
      ? [{ where: where('match'), message: 'the default route matches what no other route does: it has no match' }]
      : [];
  }
  if (criteria.length === 0) {
    return [
      {
        where: where('match'),
        message:
          'empty: a route other than the default matches on at least one of accounts, organizationalUnits, tables, causes, severities',
      },
    ];
  }
  const problems: RoutesProblem[] = [];
  (match.organizationalUnits ?? []).forEach((unit, index) => {
    if (!knownUnits.has(unit)) {
      problems.push({
        where: where(`match.organizationalUnits[${index}]`),
        message: `${unit} is in no account's path in accountOrganizationalUnits, so the route can never match on it`,
      });
    }
  });
  for (const key of ['accounts', 'organizationalUnits', 'tables', 'causes', 'severities'] as const) {
    const values = match[key] as readonly string[] | undefined;
    if (values && new Set(values).size !== values.length)
      problems.push({ where: where(`match.${key}`), message: 'a value is listed twice' });
  }
  return problems;
}

/** `route "team-a", match.accounts[0]` from a zod path, naming the route by its name when it has one. */
function whereOf(path: readonly PropertyKey[], input: unknown): string {
  const [top, second, ...rest] = path;
  const field = (keys: readonly PropertyKey[]) =>
    keys.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`),
      '',
    );
  if (top === 'routes' && typeof second === 'number') {
    const name = (input as { routes?: { name?: unknown }[] })?.routes?.[second]?.name;
    const label = typeof name === 'string' ? `route ${JSON.stringify(name)}` : `routes[${second}]`;
    return rest.length === 0 ? label : `${label}, ${field(rest)}`;
  }
  if ((top === 'channels' || top === 'accountOrganizationalUnits') && second !== undefined) {
    const label =
      top === 'channels' ? `channel ${JSON.stringify(String(second))}` : `accountOrganizationalUnits, ${JSON.stringify(String(second))}`;
    return rest.length === 0 ? label : `${label}, ${field(rest)}`;
  }
  return field(path);
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
  const value = valueAt(input, issue.path);
  if (value === undefined) return 'missing';
  const shown = JSON.stringify(value);
  return shown.length <= 80 ? `${issue.message} (got ${shown})` : issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
