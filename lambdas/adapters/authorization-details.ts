import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { partitionOf } from '../../core/diagnosis/arn';
import type { Diagnosis } from '../../core/diagnosis/types';
import {
  AUTHORIZATION_RECORD_RETENTION_MS,
  capturedPolicyStore,
  decisionOfRecord,
  deniedByOfRecord,
  type AuthorizationRecord,
} from '../../core/policy/authorization-record';
import { parsePolicyStore, PolicyStoreError, type PolicyStore } from '../../core/policy/store';
import type { PolicyStoreFile, StoredDocument } from '../../core/policy/store-fragment';
import type { Evaluation, PolicyEvaluation } from '../../core/policy/types';
import { policyDocumentOf, readFailureOf, ReadFailure } from './policy-sources/aws-reads';

/**
 * IAM Access Troubleshooter ("IAM Toolbox", preview): AWS's own record of a denial, by the authorization id of the
 * message. It has no JavaScript SDK client, so this is a small REST JSON client signed with the SDK's own SigV4
 * signer and credential chain. From the service model (API reference and the SDKs generated from it): signing name
 * "iam", endpoint https://iam-toolbox.REGION.amazonaws.com, errors AccessDeniedException 403,
 * ResourceNotFoundException 404, ValidationException 400, InternalServerException 500. The record lives in the region
 * of the denial. Both the endpoint and the signing name can be overridden: the preview may change them.
 */

export interface AuthorizationDetailsOptions {
  /** Default: AWS_ENDPOINT_URL_IAM_TOOLBOX, else AWS_ENDPOINT_URL (the SDK's own settings), else the regional endpoint. */
  readonly endpoint?: string;
  /** Default: "iam", the service model's SigV4 signing name. */
  readonly signingName?: string;
  readonly profile?: string;
  /** Default: the SDK's credential chain (with `profile`). */
  readonly credentials?: ReturnType<typeof fromNodeProviderChain>;
  readonly env?: NodeJS.ProcessEnv;
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_SIGNING_NAME = 'iam';
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
// Pages of evaluations are few for one request; the bound keeps a looping nextToken from running forever.
const MAX_PAGES = 50;

/** The endpoint for a region: the user's endpoint settings first, as the SDK reads them, else AWS's. */
export function authorizationDetailsEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const ignoreConfigured = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true';
  const configured = ignoreConfigured ? undefined : env.AWS_ENDPOINT_URL_IAM_TOOLBOX || env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  const partition = partitionOf(region);
  return `https://iam-toolbox.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** RFC 3986 query encoding, as SigV4 canonicalises it. */
const encodeQueryValue = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

export class AuthorizationDetailsClient {
  private readonly credentials: ReturnType<typeof fromNodeProviderChain>;

  constructor(private readonly options: AuthorizationDetailsOptions = {}) {
    this.credentials = options.credentials ?? fromNodeProviderChain(options.profile === undefined ? {} : { profile: options.profile });
  }

  /** GetRequestAuthorizationDetails, every page: the request context, the policies evaluated and the evaluations. */
  async getRequestAuthorizationDetails(authorizationId: string, region: string, signal?: AbortSignal): Promise<AuthorizationRecord> {
    const record: {
      requestContext: Record<string, unknown>;
      policies: AuthorizationRecord['policies'][number][];
      evaluations: AuthorizationRecord['evaluations'][number][];
    } = {
      requestContext: {},
      policies: [],
      evaluations: [],
    };
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const body = await this.get(
        region,
        `/authorization-details/${encodeURIComponent(authorizationId)}`,
        nextToken === undefined ? {} : { nextToken },
        'iam:GetRequestAuthorizationDetails',
        signal,
      );
      const out = body as { requestContext?: unknown; policies?: unknown; evaluations?: unknown; nextToken?: unknown };
      if (page === 0 && typeof out.requestContext === 'object' && out.requestContext !== null)
        record.requestContext = out.requestContext as Record<string, unknown>;
      if (Array.isArray(out.policies)) record.policies.push(...(out.policies as AuthorizationRecord['policies']));
      if (Array.isArray(out.evaluations)) record.evaluations.push(...(out.evaluations as AuthorizationRecord['evaluations']));
      nextToken = typeof out.nextToken === 'string' && out.nextToken !== '' ? out.nextToken : undefined;
      if (nextToken === undefined) return record;
    }
    throw new ReadFailure(`GetRequestAuthorizationDetails returned more than ${MAX_PAGES} pages`, false);
  }

  /**
   * GetRequestAuthorizationPolicy: the policy document as captured at the denial. The API reference available here
   * does not show the response's member name; `policyDocument` is assumed, and a body that is itself a policy works too.
   */
  async getRequestAuthorizationPolicy(
    authorizationId: string,
    policyUri: string,
    region: string,
    signal?: AbortSignal,
  ): Promise<StoredDocument> {
    const body = (await this.get(
      region,
      `/authorization-details/${encodeURIComponent(authorizationId)}/policy`,
      { policyUri },
      'iam:GetRequestAuthorizationPolicy',
      signal,
    )) as Record<string, unknown>;
    const document = body.policyDocument ?? ('Statement' in body ? body : undefined);
    if (document === undefined) throw new ReadFailure('GetRequestAuthorizationPolicy returned no policy document', false);
    return typeof document === 'string' ? policyDocumentOf(document) : (document as Record<string, unknown>);
  }

  private async get(
    region: string,
    path: string,
    query: Record<string, string>,
    action: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const endpoint = new URL(this.options.endpoint ?? authorizationDetailsEndpoint(region, this.options.env));
    const basePath = endpoint.pathname.replace(/\/$/, '');
    const signer = new SignatureV4({
      service: this.options.signingName ?? DEFAULT_SIGNING_NAME,
      region,
      credentials: this.credentials,
      sha256: Sha256,
    });
    let signed;
    try {
      signed = await signer.sign({
        method: 'GET',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port === '' ? undefined : Number(endpoint.port),
        path: `${basePath}${path}`,
        query,
        headers: { host: endpoint.host, accept: 'application/json' },
      });
    } catch (error) {
      throw readFailureOf(error, action);
    }
    const queryString = Object.entries(query)
      .map(([key, value]) => `${encodeQueryValue(key)}=${encodeQueryValue(value)}`)
      .join('&');
    const url = `${endpoint.protocol}//${endpoint.host}${basePath}${path}${queryString === '' ? '' : `?${queryString}`}`;
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'GET',
        headers: signed.headers as Record<string, string>,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw readFailureOf(error, action);
    }
    const text = await response.text();
    if (!response.ok) throw readFailureOf(serviceError(response, text), action);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ReadFailure(`${action.split(':')[1]} answered with a body that is not JSON`, false);
    }
  }
}

/** A REST JSON error as the SDK would name it: x-amzn-errortype, else the body's __type/code; its message. */
function serviceError(response: Response, text: string): { name: string; message: string; $metadata: { httpStatusCode: number } } {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A body that is not JSON leaves the status as the only clue.
  }
  const raw =
    response.headers.get('x-amzn-errortype') ??
    (typeof body.__type === 'string' ? body.__type : typeof body.code === 'string' ? body.code : `HTTP ${response.status}`);
  const name = raw.split(':')[0].split('#').pop() ?? raw;
  const message = typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : text.slice(0, 200);
  return { name, message, $metadata: { httpStatusCode: response.status } };
}

/** AWS's record turned into an evaluation, with what it was made from. */
export interface AuthorizationEvidence {
  readonly evaluation: Evaluation & { readonly source: 'authorization-details' };
  readonly record: AuthorizationRecord;
  /** The documents AWS captured at the denial, as a store (for the evaluator, or to attach to a ticket). */
  readonly capturedStore: PolicyStoreFile;
}

/** The evidence, or why there is none (for missingPolicies), so the caller falls through to the next source. */
export type AuthorizationOutcome =
  { readonly evidence: AuthorizationEvidence; readonly reason: null } | { readonly evidence: null; readonly reason: string };

/**
 * Evidence 1: AWS's own record of the denial, when the message carries an authorization id and the denial is less
 * than 24 hours old. The decision and the denying statements come from the record; `missingAllow` (and the agreement
 * with the message) from denyscope's evaluator run on the documents AWS captured, through `evaluateCaptured`, so
 * implicit denials name their layer too. Never rejects: any failure is a reason to fall through.
 */
export async function readAuthorizationEvidence(
  client: AuthorizationDetailsClient,
  diagnosis: Pick<Diagnosis, 'authorizationId' | 'eventTime' | 'region' | 'action' | 'principal' | 'principalArn' | 'resource'>,
  options: { readonly now: Date; readonly signal?: AbortSignal; readonly evaluateCaptured: (store: PolicyStore) => PolicyEvaluation },
): Promise<AuthorizationOutcome> {
  const id = diagnosis.authorizationId;
  if (id === null) return { evidence: null, reason: 'the message carries no authorization id' };
  const deniedAt = Date.parse(diagnosis.eventTime);
  if (Number.isNaN(deniedAt) || options.now.getTime() - deniedAt > AUTHORIZATION_RECORD_RETENTION_MS) {
    return {
      evidence: null,
      reason: `authorization details ${id}: AWS keeps them 24 hours after the denial, and this denial is older (or has no time)`,
    };
  }
  if (diagnosis.region === 'unknown') return { evidence: null, reason: `authorization details ${id}: the denial's region is unknown` };
  let record: AuthorizationRecord;
  try {
    record = await client.getRequestAuthorizationDetails(id, diagnosis.region, options.signal);
  } catch (error) {
    return { evidence: null, reason: `authorization details ${id}: ${readFailureOf(error, 'iam:GetRequestAuthorizationDetails').reason}` };
  }
  const decision = decisionOfRecord(record, diagnosis.action);
  if (decision === null)
    return { evidence: null, reason: `authorization details ${id}: the record holds no evaluation of ${diagnosis.action}` };

  const documents = new Map<string, StoredDocument>();
  const missingPolicies: string[] = [];
  const uris = [...new Set(record.policies.flatMap((policy) => (policy.uri === undefined ? [] : [policy.uri])))];
  await Promise.all(
    uris.map(async (uri) => {
      try {
        documents.set(uri, await client.getRequestAuthorizationPolicy(id, uri, diagnosis.region, options.signal));
      } catch (error) {
        missingPolicies.push(
          `captured policy ${uri} of authorization ${id}: ${readFailureOf(error, 'iam:GetRequestAuthorizationPolicy').reason}`,
        );
      }
    }),
  );
  const capturedStore = capturedPolicyStore(record, documents, diagnosis);
  let evaluated: PolicyEvaluation | null = null;
  try {
    evaluated = options.evaluateCaptured(parsePolicyStore(capturedStore));
  } catch (error) {
    if (!(error instanceof PolicyStoreError)) throw error;
    missingPolicies.push(`captured policies of authorization ${id}: ${error.message}`);
  }
  return {
    reason: null,
    evidence: {
      record,
      capturedStore,
      evaluation: {
        decision,
        deniedBy: deniedByOfRecord(record, documents, diagnosis.action),
        missingAllow: decision === 'implicit-deny' ? (evaluated?.missingAllow ?? []) : [],
        unresolvedKeys: [],
        missingPolicies: missingPolicies.sort(),
        agreesWithMessage: evaluated?.agreesWithMessage ?? null,
        source: 'authorization-details',
      },
    },
  };
}
