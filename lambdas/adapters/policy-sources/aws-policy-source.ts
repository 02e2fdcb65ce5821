import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { parseArn } from '../../../core/diagnosis/arn';
import { isStreamArn, tableArnOf } from '../../../core/policy/needs';
import type { EvidenceNeeds, PolicyReadResult, PolicySource } from '../../../core/policy/ports';
import {
  STORE_FORMAT,
  withoutEmptyParts,
  type StoredKey,
  type StoredOrganizationPolicy,
  type StoredPrincipal,
  type StoredResource,
  type StoredVpcEndpoint,
} from '../../../core/policy/store-fragment';
import { createLimiter, ReadCache, ReadFailure, readFailureOf } from './aws-reads';
import { readIamPrincipal } from './iam-principals';
import { readAccountPath, readAttachedPolicies, readOrganization } from './organization-reads';
import { createReadContext, type ReadContext } from './read-context';
import {
  readKeyGrants,
  readKeyPolicy,
  readKeyState,
  readResourcePolicy,
  readTableDescription,
  readTableTags,
  readVpcEndpointPolicy,
} from './resource-reads';

export interface AwsPolicySourceOptions {
  /** Region of the global services' clients (IAM, Organizations) and of VPC endpoints named without one; default: the SDK's chain. */
  readonly region?: string;
  /** Shared config/credentials profile; default: the SDK's chain. */
  readonly profile?: string;
  /** A role in the management account (or a delegated administrator) to read Organizations through (STS AssumeRole). */
  readonly organizationRoleArn?: string;
  /** AWS calls in flight at once. */
  readonly concurrency?: number;
  /** How long a read result is reused (a warm Lambda); default: as long as the source lives (a CLI run). */
  readonly cacheTtlMs?: number;
  /** Attempts per call, the SDK's retries with back-off included (the SDK's default: 3). */
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const ORGANIZATION_READER_SESSION = 'denyscope-policies';

/**
 * The fetched-evidence source: reads, with the caller's credentials, what one or more events need from IAM, DynamoDB,
 * KMS, EC2 and Organizations, and returns it as a `denyscope-policies/1` fragment. Every list follows pagination;
 * each thing is read once per cache TTL; at most `concurrency` calls run at once; throttling is retried by the SDK.
 * What cannot be read becomes one missingPolicies line; an aborted signal ends the read with what is done so far,
 * naming what was still being read as timed out. It never rejects.
 */
export class AwsPolicySource implements PolicySource {
  private readonly cache: ReadCache;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly regionalClients = new Map<string, DynamoDBClient | KMSClient | EC2Client>();
  private iamClient: IAMClient | undefined;
  private organizationsClient: OrganizationsClient | undefined;

  constructor(private readonly options: AwsPolicySourceOptions = {}) {
    this.cache = new ReadCache(options.cacheTtlMs ?? Number.POSITIVE_INFINITY, options.now);
    this.limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  async read(needs: EvidenceNeeds, readOptions: { readonly signal?: AbortSignal } = {}): Promise<PolicyReadResult> {
    const signal = readOptions.signal;
    const context = createReadContext({ concurrency: 0, cache: this.cache, signal, limit: this.limit });
    const now = this.options.now?.() ?? Date.now();
    const parts = new Parts();

    for (const principal of needs.principals) this.readPrincipal(context, parts, principal);
    const keys = new Set<string>();
    const readKey = (keyArn: string): void => {
      if (keys.has(keyArn)) return;
      keys.add(keyArn);
      this.readKey(context, parts, keyArn);
    };
    for (const resource of needs.resources) this.readResource(context, parts, resource, readKey);
    for (const key of needs.keys) readKey(key);
    for (const endpoint of needs.vpcEndpoints) {
      const region = endpoint.region ?? this.options.region;
      parts.track(
        `VPC endpoint policy of ${endpoint.id}`,
        readVpcEndpointPolicy(this.ec2(region), context, endpoint.id, region ?? 'default'),
        (policy) => {
          parts.vpcEndpoint(endpoint.id).policy = policy;
        },
      );
    }
    for (const account of needs.accounts) this.readOrganizationLevels(context, parts, account);

    await parts.settled(signal);
    return {
      store: withoutEmptyParts({
        format: STORE_FORMAT,
        capturedAt: new Date(now).toISOString(),
        principals: parts.principals,
        resources: parts.resources,
        keys: parts.keys,
        vpcEndpoints: parts.vpcEndpoints,
        organization: parts.organization,
      }),
      missingPolicies: parts.missingPolicies(),
    };
  }

  /** Closes the SDK clients' connections. */
  destroy(): void {
    this.iamClient?.destroy();
    this.organizationsClient?.destroy();
    for (const client of this.regionalClients.values()) client.destroy();
  }

  private readPrincipal(context: ReadContext, parts: Parts, principalArn: string): void {
    const reads = readIamPrincipal(this.iam(), context, principalArn);
    // A principal that no longer exists is one line, not one per part; any other GetRole/GetUser failure is the boundary's line.
    const unlessGone = (failure: ReadFailure): boolean => failure.notFound;
    parts.track(
      `principal ${principalArn}`,
      reads.exists,
      () => undefined,
      (failure) => !failure.notFound,
    );
    parts.track(
      `identity policies of ${principalArn}`,
      reads.policies,
      (policies) => (parts.principal(principalArn).policies = policies),
      unlessGone,
    );
    parts.track(
      `permissions boundary of ${principalArn}`,
      reads.permissionsBoundary,
      (boundary) => (parts.principal(principalArn).permissionsBoundary = boundary),
      unlessGone,
    );
    parts.track(`tags of ${principalArn}`, reads.tags, (tags) => (parts.principal(principalArn).tags = tags), unlessGone);
    if (reads.groups)
      parts.track(`groups of ${principalArn}`, reads.groups, (groups) => (parts.principal(principalArn).groups = groups), unlessGone);
  }

  private readResource(context: ReadContext, parts: Parts, resourceArn: string, readKey: (keyArn: string) => void): void {
    const region = parseArn(resourceArn)?.region ?? this.options.region;
    const dynamodb = this.dynamodb(region);
    if (isStreamArn(resourceArn)) {
      parts.track(
        `resource-based policy of ${resourceArn}`,
        readResourcePolicy(dynamodb, context, resourceArn),
        (policy) => (parts.resource(resourceArn).policy = policy),
      );
      return;
    }
    const table = tableArnOf(resourceArn) ?? resourceArn;
    parts.track(
      `resource-based policy of ${table}`,
      readResourcePolicy(dynamodb, context, table),
      (policy) => (parts.resource(table).policy = policy),
    );
    parts.track(`tags of ${table}`, readTableTags(dynamodb, context, table), (tags) => (parts.resource(table).tags = tags));
    parts.track(`key schema and KMS key of ${table}`, readTableDescription(dynamodb, context, table), ({ keySchema, kmsKeyArn }) => {
      const entry = parts.resource(table);
      entry.keySchema = keySchema;
      entry.kmsKeyArn = kmsKeyArn;
      if (kmsKeyArn !== null) readKey(kmsKeyArn);
    });
  }

  private readKey(context: ReadContext, parts: Parts, keyArn: string): void {
    const kms = this.kms(parseArn(keyArn)?.region ?? this.options.region);
    parts.track(`key policy of ${keyArn}`, readKeyPolicy(kms, context, keyArn), (policy) => (parts.key(keyArn).policy = policy));
    parts.track(`grants of ${keyArn}`, readKeyGrants(kms, context, keyArn), (grants) => (parts.key(keyArn).grants = grants));
    parts.track(`key state of ${keyArn}`, readKeyState(kms, context, keyArn), (state) => (parts.key(keyArn).state = state));
  }

  /** The account's path, and the SCPs and RCPs attached at the root, every OU on the path, and the account itself. */
  private readOrganizationLevels(context: ReadContext, parts: Parts, accountId: string): void {
    const organizations = this.organizations();
    const levels = Promise.all([readOrganization(organizations, context), readAccountPath(organizations, context, accountId)]);
    parts.track(`organization path of account ${accountId}`, levels, ([organization, path]) => {
      parts.organizationId = organization.id;
      parts.managementAccountId = organization.managementAccountId ?? undefined;
      parts.accountPaths[accountId] = path;
      for (const target of [...path, accountId]) {
        parts.track(
          `service control policies of ${target}`,
          readAttachedPolicies(organizations, context, target, 'SERVICE_CONTROL_POLICY'),
          (policies) => {
            parts.serviceControlPolicies[target] = policies;
          },
        );
        parts.track(
          `resource control policies of ${target}`,
          readAttachedPolicies(organizations, context, target, 'RESOURCE_CONTROL_POLICY'),
          (policies) => {
            parts.resourceControlPolicies[target] = policies;
          },
        );
      }
    });
  }

  private clientConfig(region: string | undefined) {
    return {
      ...(region === undefined ? {} : { region }),
      ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
      ...(this.options.maxAttempts === undefined ? {} : { maxAttempts: this.options.maxAttempts }),
      requestHandler: { connectionTimeout: 3_000, requestTimeout: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
    };
  }

  private iam(): IAMClient {
    return (this.iamClient ??= new IAMClient(this.clientConfig(this.options.region)));
  }

  private organizations(): OrganizationsClient {
    if (this.organizationsClient) return this.organizationsClient;
    const config = this.clientConfig(this.options.region);
    const roleArn = this.options.organizationRoleArn;
    const credentials =
      roleArn === undefined
        ? undefined
        : assumedRoleCredentials(
            fromTemporaryCredentials({
              params: { RoleArn: roleArn, RoleSessionName: ORGANIZATION_READER_SESSION },
              masterCredentials: fromNodeProviderChain(this.options.profile === undefined ? {} : { profile: this.options.profile }),
              clientConfig: this.clientConfig(this.options.region),
            }),
            roleArn,
          );
    this.organizationsClient = new OrganizationsClient({ ...config, ...(credentials ? { credentials } : {}) });
    return this.organizationsClient;
  }

  private dynamodb(region: string | undefined): DynamoDBClient {
    return this.regional(`dynamodb:${region ?? ''}`, () => new DynamoDBClient(this.clientConfig(region)));
  }

  private kms(region: string | undefined): KMSClient {
    return this.regional(`kms:${region ?? ''}`, () => new KMSClient(this.clientConfig(region)));
  }

  private ec2(region: string | undefined): EC2Client {
    return this.regional(`ec2:${region ?? ''}`, () => new EC2Client(this.clientConfig(region)));
  }

  private regional<T extends DynamoDBClient | KMSClient | EC2Client>(key: string, make: () => T): T {
    let client = this.regionalClients.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.regionalClients.set(key, client);
    }
    return client;
  }
}

type AwsCredentialIdentityProvider = ReturnType<typeof fromNodeProviderChain>;

/** The assumed role's credentials; a failure to assume it names the role, not the Organizations call that needed it. */
function assumedRoleCredentials(provider: AwsCredentialIdentityProvider, roleArn: string): AwsCredentialIdentityProvider {
  return async (options) => {
    try {
      return await provider(options);
    } catch (error) {
      throw new ReadFailure(`cannot assume ${roleArn} (${readFailureOf(error, 'sts:AssumeRole').reason})`, false);
    }
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What one read collects: the parts read so far, what failed, and what is still being read. */
class Parts {
  readonly principals: Record<string, Mutable<StoredPrincipal>> = {};
  readonly resources: Record<string, Mutable<StoredResource>> = {};
  readonly keys: Record<string, Mutable<StoredKey>> = {};
  readonly vpcEndpoints: Record<string, Mutable<StoredVpcEndpoint>> = {};
  organizationId: string | undefined;
  managementAccountId: string | undefined;
  readonly accountPaths: Record<string, string[]> = {};
  readonly serviceControlPolicies: Record<string, StoredOrganizationPolicy[]> = {};
  readonly resourceControlPolicies: Record<string, StoredOrganizationPolicy[]> = {};
  private readonly missing: string[] = [];
  /** Parts still being read: what they are, and whether their result is still wanted (not after an abort). */
  private readonly pending = new Map<Promise<void>, { what: string; open: boolean }>();

  get organization() {
    if (this.organizationId === undefined) return undefined;
    return {
      id: this.organizationId,
      ...(this.managementAccountId === undefined ? {} : { managementAccountId: this.managementAccountId }),
      accounts: this.accountPaths,
      serviceControlPolicies: this.serviceControlPolicies,
      resourceControlPolicies: this.resourceControlPolicies,
    };
  }

  principal(arn: string): Mutable<StoredPrincipal> {
    return (this.principals[arn] ??= {});
  }
  resource(arn: string): Mutable<StoredResource> {
    return (this.resources[arn] ??= {});
  }
  key(arn: string): Mutable<StoredKey> {
    return (this.keys[arn] ??= {});
  }
  vpcEndpoint(id: string): Mutable<StoredVpcEndpoint> {
    return (this.vpcEndpoints[id] ??= {});
  }

  /**
   * Keeps a part when its read succeeds, else names it in missingPolicies with the reason (unless `skip` says the
   * failure is reported elsewhere). Until it settles, it is named as still being read.
   */
  track<T>(what: string, read: Promise<T>, keep: (value: T) => void, skip?: (failure: ReadFailure) => boolean): void {
    const state = { what, open: true };
    const tracked: Promise<void> = read
      .then(
        (value) => {
          if (state.open) keep(value);
        },
        (error: unknown) => {
          if (!state.open) return;
          const failure = error instanceof ReadFailure ? error : new ReadFailure(String(error), true);
          if (!skip?.(failure)) this.missing.push(`${what}: ${failure.reason}`);
        },
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.set(tracked, state);
  }

  /** Waits until every part (including those started by others) has settled, or the signal aborts. */
  async settled(signal: AbortSignal | undefined): Promise<void> {
    const aborted = new Promise<void>((resolve) => {
      if (!signal) return;
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    while (this.pending.size > 0 && !signal?.aborted) await Promise.race([Promise.all(this.pending.keys()), aborted]);
    for (const state of this.pending.values()) {
      state.open = false;
      this.missing.push(`${state.what}: timed out`);
    }
    this.pending.clear();
  }

  /** Sorted, so that the same failures read the same whatever order the calls answered in. */
  missingPolicies(): string[] {
    return [...this.missing].sort();
  }
}
