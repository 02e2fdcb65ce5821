import type { Cause, Diagnosis } from '../diagnosis/types';
import { ANY_RUN, WildcardPattern, type PatternPiece } from '../policy/wildcard';
import type { AlertChannel } from './model';
import type { ChannelSelector } from './pipeline';
import { severityOf, type Severity } from './severity';
import { incidentAccountOf } from './identity';

/**
 * Alert routes: which channels get the alert of an incident, by account, OU, table, cause and severity. This module
 * is the routing rule itself, shared by the Lambda and `denyscope local`, and reads routes already validated
 * (core/incidents/routes-schema.ts validates them at synth and in the CLI), so the Lambda bundle carries no schema.
 */

/** What a route matches: every criterion given must match; the values of one criterion are alternatives. */
export interface RouteMatch {
  /** 12-digit account ids: the account the incident belongs to. */
  readonly accounts?: readonly string[];
  /** OU or root ids: the account is in one of them, directly or in an OU below (see accountOrganizationalUnits). */
  readonly organizationalUnits?: readonly string[];
  /** Table names, `*` matching any run of characters. */
  readonly tables?: readonly string[];
  readonly causes?: readonly Cause[];
  readonly severities?: readonly Severity[];
}

/** A route names channels for the alerts it matches. The default route has no match: it takes what no other route does. */
export interface Route {
  readonly name: string;
  readonly default?: boolean;
  readonly match?: RouteMatch;
  readonly channels: readonly AlertChannel[];
}

/** What routes need besides the routes: each account's OU path (root first), as the operator declares it. */
export interface Routing {
  readonly routes: readonly Route[];
  /** Account id → the ids of the root and the OUs that hold it, from the root down. */
  readonly accountOrganizationalUnits: Readonly<Record<string, readonly string[]>>;
}

/**
 * Where a declared channel delivers, as the stack tells the Lambda: an SNS topic of the alert topic's account and Region
 * (by name, so the routes stay free of deploy-time tokens and their size is known at synth), or a webhook secret's name.
 */
export type ChannelDestination =
  { readonly type: 'sns'; readonly topicName: string } | { readonly type: 'slack'; readonly secretName: string };

/** The routes as the Lambda reads them (HANDLER_ENV.alertRoutes): validated at synth, destinations resolved. */
export interface DeployedRouting extends Routing {
  readonly channels: Readonly<Record<string, ChannelDestination>>;
}

/** The channels every deployment has: the stack's alert topic and its Slack webhook secret. Routes may name them. */
export const BUILT_IN_CHANNELS: readonly AlertChannel[] = ['sns', 'slack'];
/**
 * Channels every alert goes to whatever the routes choose (when configured): PagerDuty has its own rule (it pages high
 * severity only), and the chat-notification topic mirrors the alerts for Amazon Q Developer.
 */
export const UNROUTED_CHANNELS: readonly AlertChannel[] = ['pagerduty', 'chat-notifications'];

export interface RouteDecision {
  readonly channels: readonly AlertChannel[];
  /** The routes that matched (the default route when it applied). */
  readonly routes: readonly string[];
  /**
   * Set when a route matches on OUs and the account's OU path is not known: such routes cannot match, so the
   * default route's channels are added and the caller logs it, rather than the alert silently missing its team.
   */
  readonly unknownOrganizationalUnitsOf?: string;
}

/**
 * The subject of the decision: the fields the alert shows, so the rule reads exactly what people see. Its account is
 * the incident's (the denied resource's owner, see incidentAccountOf): both copies of a cross-account call route alike.
 */
export type RouteSubject = Pick<Diagnosis, 'accountId' | 'tableName' | 'cause' | 'denial'>;

/** The routes compiled once (table patterns), deciding each alert's channels. */
export class Router {
  private readonly compiled: readonly { route: Route; tables: readonly WildcardPattern[] | null }[];
  private readonly defaultRoute: Route | undefined;

  constructor(private readonly routing: Routing) {
    this.defaultRoute = routing.routes.find((route) => route.default === true);
    this.compiled = routing.routes
      .filter((route) => route.default !== true)
      .map((route) => ({ route, tables: route.match?.tables?.map(tablePattern) ?? null }));
  }

  /** The routes, in their declared order. */
  get routes(): readonly Route[] {
    return this.routing.routes;
  }

  /** Every channel some route can name, the default route's included. */
  get channels(): readonly AlertChannel[] {
    return unique(this.routing.routes.flatMap((route) => route.channels));
  }

  /** The union of the channels of every matching route; the default route's when none matches (or an OU path is unknown). */
  decide(subject: RouteSubject): RouteDecision {
    const severity = severityOf(subject.cause, subject.denial);
    const path = this.routing.accountOrganizationalUnits[subject.accountId];
    let unknownPath = false;
    const matched: Route[] = [];
    for (const { route, tables } of this.compiled) {
      const match = route.match ?? {};
      if (match.accounts && !match.accounts.includes(subject.accountId)) continue;
      if (match.causes && !match.causes.includes(subject.cause)) continue;
      if (match.severities && !match.severities.includes(severity)) continue;
      if (tables && !(subject.tableName !== null && tables.some((pattern) => pattern.matches(subject.tableName as string)))) continue;
      if (match.organizationalUnits) {
        if (path === undefined) {
          unknownPath = true;
          continue;
        }
        if (!match.organizationalUnits.some((unit) => path.includes(unit))) continue;
      }
      matched.push(route);
    }
    const applied = matched.length === 0 || unknownPath ? [...matched, ...(this.defaultRoute ? [this.defaultRoute] : [])] : matched;
    return {
      channels: unique(applied.flatMap((route) => route.channels)),
      routes: applied.map((route) => route.name),
      ...(unknownPath ? { unknownOrganizationalUnitsOf: subject.accountId } : {}),
    };
  }
}

/**
 * The pipeline's channel selector for these routes, plus `always` (the terminal of `denyscope local`). An account whose
 * OU path is unknown is logged as a warning on every alert it routes: its alerts go to the default route as well.
 */
export function routedChannels(router: Router, always: readonly AlertChannel[] = []): ChannelSelector {
  return (diagnosis, log) => {
    const decision = router.decide({ ...diagnosis, accountId: incidentAccountOf(diagnosis) });
    if (decision.unknownOrganizationalUnitsOf !== undefined) {
      log.warn('Account not in accountOrganizationalUnits: routes on OUs cannot match it, so the default route gets the alert too', {
        accountId: decision.unknownOrganizationalUnitsOf,
        routes: decision.routes,
      });
    }
    log.info('Alert routed', { routes: decision.routes, channels: decision.channels });
    return unique([...always, ...decision.channels]);
  };
}

/** `*` is the only wildcard: table names cannot hold one, so every other character is literal. */
function tablePattern(pattern: string): WildcardPattern {
  const pieces: PatternPiece[] = [];
  pattern.split('*').forEach((text, index) => {
    if (index > 0) pieces.push(ANY_RUN);
    if (text !== '') pieces.push(text);
  });
  return new WildcardPattern(pieces, false);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
