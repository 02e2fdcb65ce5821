import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the AWS read APIs denyscope calls, answering their real wire formats, so the SDK clients are
 * tested end to end (serialisation, pagination, error parsing, retries) by pointing AWS_ENDPOINT_URL at it:
 * - IAM, EC2 and STS: query protocol (form-encoded POST), XML answers; IAM policy documents URL-encoded (RFC 3986)
 *   as IAM returns them; IAM pagination with Marker/IsTruncated; errors as <ErrorResponse> (IAM, STS) or EC2's <Response><Errors>.
 * - Organizations and KMS: JSON 1.1, DynamoDB: JSON 1.0 (X-Amz-Target), errors as {"__type", "message"}.
 * - IAM Access Troubleshooter: REST JSON (GET /authorization-details/{id}[/policy]).
 * One server answers every service, told apart by X-Amz-Target, the query Version, or the REST path, as one
 * AWS_ENDPOINT_URL would send them. Lists come in pages of PAGE_SIZE so that every caller must follow pagination.
 */

export const PAGE_SIZE = 2;

export type Document = Record<string, unknown>;

export interface StandInRole {
  readonly path?: string;
  readonly inline?: Record<string, Document>;
  readonly attached?: readonly string[];
  readonly boundary?: string;
  readonly tags?: Record<string, string>;
}
export interface StandInUser extends StandInRole {
  readonly groups?: readonly string[];
}
export interface StandInGroup {
  readonly inline?: Record<string, Document>;
  readonly attached?: readonly string[];
}
export interface StandInManagedPolicy {
  readonly defaultVersion: string;
  readonly versions: Record<string, Document>;
}
export interface StandInTable {
  readonly keySchema: readonly { name: string; type: 'HASH' | 'RANGE' }[];
  readonly kmsKeyArn?: string;
  readonly policy?: Document;
  readonly tags?: Record<string, string>;
  readonly streamArn?: string;
  readonly streamPolicy?: Document;
}
export interface StandInKey {
  readonly policy: Document;
  readonly state: string;
  readonly grants?: readonly { granteePrincipal: string; operations: string[]; constraints?: Record<string, unknown> }[];
}
export interface StandInOrganization {
  readonly id: string;
  readonly managementAccountId: string;
  /** child id (account or OU) → parent id (OU or root). */
  readonly parents: Record<string, string>;
  readonly policies: Record<string, { name: string; type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY'; document: Document }>;
  /** target id → attached policy ids. */
  readonly attachments: Record<string, readonly string[]>;
}
export interface StandInAuthorizationRecord {
  /** The pages GetRequestAuthorizationDetails answers, in order (nextToken is added between them). */
  readonly pages: readonly Record<string, unknown>[];
  /** policyUri → the captured document. */
  readonly policies: Record<string, Document>;
}

export interface StandInWorld {
  /** The account IAM answers for. */
  readonly accountId: string;
  readonly roles?: Record<string, StandInRole>;
  readonly users?: Record<string, StandInUser>;
  readonly groups?: Record<string, StandInGroup>;
  /** policy ARN → versions. */
  readonly managedPolicies?: Record<string, StandInManagedPolicy>;
  /** table ARN → table. */
  readonly tables?: Record<string, StandInTable>;
  /** key ARN → key. */
  readonly keys?: Record<string, StandInKey>;
  readonly vpcEndpoints?: Record<string, { policy?: Document }>;
  readonly organization?: StandInOrganization;
  readonly authorizationDetails?: Record<string, StandInAuthorizationRecord>;
  /** The ARN GetCallerIdentity answers (the caller's credentials are not checked). */
  readonly callerArn?: string;
}

export type Service = 'iam' | 'ec2' | 'sts' | 'organizations' | 'kms' | 'dynamodb' | 'iam-toolbox';

/** An error answered instead of the world's data: the service's own error code for it. */
export type Fault = 'AccessDenied' | 'NotFound' | 'Throttling' | 'NotManagementAccount';

export interface FaultRule {
  readonly service: Service;
  readonly operation: string;
  /** Only requests whose parameters contain this text (e.g. a role name). */
  readonly matching?: string;
  readonly fault: Fault;
  /** How many requests get the fault; then the world answers. Default: every one. */
  readonly times?: number;
}

export interface RecordedAwsRequest {
  readonly service: Service;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Query parameters (query protocol) or the JSON body's members, flattened to text for matching. */
  readonly parameters: string;
}

export interface AwsStandIn {
  readonly endpoint: string;
  readonly requests: RecordedAwsRequest[];
  fail(rule: FaultRule): void;
  /** Waits this long before answering each request of the operation (for timeouts). */
  delay(service: Service, operation: string, milliseconds: number): void;
  requestsFor(service: Service, operation?: string): RecordedAwsRequest[];
  /** The most requests it was answering at once. */
  readonly maxInFlight: number;
  /** Resolves when a request of this operation arrives (at once if one already has). */
  received(service: Service, operation: string): Promise<void>;
  stop(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const tag = (name: string, value: string | number | boolean): string =>
  `<${name}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
/** IAM returns policy documents URL-encoded (RFC 3986). */
const iamDocument = (document: Document): string => encodeURIComponent(JSON.stringify(document));
const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** One page of a list and the marker of the next, PAGE_SIZE items at a time. */
function page<T>(items: readonly T[], marker: string | undefined): { items: T[]; next: string | null } {
  const start = marker === undefined ? 0 : Number(marker);
  const end = start + PAGE_SIZE;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : null };
}

export async function startAwsStandIn(world: StandInWorld): Promise<AwsStandIn> {
  const requests: RecordedAwsRequest[] = [];
  const faults: { rule: FaultRule; left: number }[] = [];
  const delays = new Map<string, number>();
  const arrivals: { service: Service; operation: string; resolve: () => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const route = routeOf(request.method ?? 'GET', request.url ?? '/', request.headers, body);
      const recorded: RecordedAwsRequest = {
        service: route.service,
        operation: route.operation,
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        parameters: route.parameterText,
      };
      requests.push(recorded);
      for (const waiter of arrivals.filter((entry) => entry.service === route.service && entry.operation === route.operation))
        waiter.resolve();
      const answer = (): void => {
        const reply = replyTo(route, world, faults);
        response
          .writeHead(reply.status, { 'content-type': reply.contentType, 'x-amzn-requestid': `req-${requests.length}`, ...reply.headers })
          .end(reply.body);
      };
      const wait = delays.get(`${route.service}:${route.operation}`);
      if (wait === undefined) answer();
      else setTimeout(answer, wait).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    fail: (rule) => faults.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }),
    delay: (service, operation, milliseconds) => delays.set(`${service}:${operation}`, milliseconds),
    requestsFor: (service, operation) =>
      requests.filter((entry) => entry.service === service && (operation === undefined || entry.operation === operation)),
    get maxInFlight() {
      return maxInFlight;
    },
    received: (service, operation) =>
      requests.some((entry) => entry.service === service && entry.operation === operation)
        ? Promise.resolve()
        : new Promise<void>((resolve) => arrivals.push({ service, operation, resolve })),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Route {
  readonly service: Service;
  readonly operation: string;
  /** Query-protocol parameters, or the JSON body, or the REST path parameters. */
  readonly query: URLSearchParams;
  readonly json: Record<string, unknown>;
  readonly pathParameters: readonly string[];
  readonly parameterText: string;
}

const QUERY_VERSIONS: Record<string, Service> = { '2010-05-08': 'iam', '2016-11-15': 'ec2', '2011-06-15': 'sts' };
const JSON_TARGETS: Record<string, Service> = {
  AWSOrganizationsV20161128: 'organizations',
  TrentService: 'kms',
  DynamoDB_20120810: 'dynamodb',
};

function routeOf(method: string, url: string, headers: IncomingHttpHeaders, body: string): Route {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, operation] = target.split('.');
    const json = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
    return {
      service: JSON_TARGETS[prefix] ?? 'iam',
      operation,
      query: new URLSearchParams(),
      json,
      pathParameters: [],
      parameterText: body,
    };
  }
  const parsed = new URL(url, 'http://stand-in');
  if (method === 'GET' && parsed.pathname.startsWith('/authorization-details/')) {
    const parts = parsed.pathname.split('/').slice(2).map(decodeURIComponent);
    const operation = parts[1] === 'policy' ? 'GetRequestAuthorizationPolicy' : 'GetRequestAuthorizationDetails';
    return {
      service: 'iam-toolbox',
      operation,
      query: parsed.searchParams,
      json: {},
      pathParameters: parts,
      parameterText: `${parts.join('/')}?${parsed.searchParams.toString()}`,
    };
  }
  const query = new URLSearchParams(body);
  const service = QUERY_VERSIONS[query.get('Version') ?? ''] ?? 'iam';
  return {
    service,
    operation: query.get('Action') ?? 'unknown',
    query,
    json: {},
    pathParameters: [],
    parameterText: decodeURIComponent(body),
  };
}

function replyTo(route: Route, world: StandInWorld, faults: { rule: FaultRule; left: number }[]): Reply {
  const fault = faults.find(
    (entry) =>
      entry.left > 0 &&
      entry.rule.service === route.service &&
      entry.rule.operation === route.operation &&
      (entry.rule.matching === undefined || route.parameterText.includes(entry.rule.matching)),
  );
  try {
    if (fault) {
      fault.left -= 1;
      throw faultError(route.service, fault.rule.fault);
    }
    switch (route.service) {
      case 'iam':
        return xml(route, iamResult(route, world));
      case 'sts':
        return xml(route, stsResult(route, world));
      case 'ec2':
        return ec2Reply(route, world);
      case 'organizations':
        return json11(organizationsResult(route, world));
      case 'kms':
        return json11(kmsResult(route, world));
      case 'dynamodb':
        return { status: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(dynamodbResult(route, world)) };
      case 'iam-toolbox':
        return { status: 200, contentType: 'application/json', body: JSON.stringify(toolboxResult(route, world)) };
    }
  } catch (error) {
    if (error instanceof AwsFault) return errorReply(route.service, error);
    throw error;
  }
}

/** The error each service answers for a fault, with its own code and status. */
function faultError(service: Service, fault: Fault): AwsFault {
  const queryProtocol = service === 'iam' || service === 'sts' || service === 'ec2';
  switch (fault) {
    case 'AccessDenied':
      if (service === 'ec2') return new AwsFault(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
      return new AwsFault(
        403,
        queryProtocol ? 'AccessDenied' : 'AccessDeniedException',
        'User: arn:aws:sts::111122223333:assumed-role/reader/s is not authorized to perform this action',
      );
    case 'NotManagementAccount':
      return new AwsFault(400, 'AccessDeniedException', "You don't have permissions to access this resource.");
    case 'Throttling':
      if (service === 'iam' || service === 'sts') return new AwsFault(400, 'Throttling', 'Rate exceeded');
      if (service === 'ec2') return new AwsFault(503, 'RequestLimitExceeded', 'Request limit exceeded.');
      if (service === 'organizations')
        return new AwsFault(400, 'TooManyRequestsException', 'You have sent too many requests in too short a period of time.');
      return new AwsFault(400, 'ThrottlingException', 'Rate exceeded');
    case 'NotFound':
      return notFound(service, 'not found');
  }
}

function notFound(service: Service, what: string): AwsFault {
  switch (service) {
    case 'iam':
      return new AwsFault(404, 'NoSuchEntity', `The ${what} cannot be found.`);
    case 'ec2':
      return new AwsFault(400, 'InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${what}' does not exist`);
    case 'kms':
      return new AwsFault(400, 'NotFoundException', `Key '${what}' does not exist`);
    case 'organizations':
      return new AwsFault(
        400,
        'ChildNotFoundException',
        `We can't find an organizational unit (OU) or AWS account with the ChildId that you specified: ${what}`,
      );
    case 'iam-toolbox':
      return new AwsFault(
        404,
        'ResourceNotFoundException',
        'The requested authorization details do not exist in this region or have expired.',
      );
    default:
      return new AwsFault(400, 'ResourceNotFoundException', `Requested resource not found: ${what}`);
  }
}

function errorReply(service: Service, error: AwsFault): Reply {
  if (service === 'iam' || service === 'sts') {
    const namespace = service === 'iam' ? 'https://iam.amazonaws.com/doc/2010-05-08/' : 'https://sts.amazonaws.com/doc/2011-06-15/';
    return {
      status: error.status,
      contentType: 'text/xml',
      body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type>${tag('Code', error.code)}${tag('Message', error.message)}</Error><RequestId>err-1</RequestId></ErrorResponse>`,
    };
  }
  if (service === 'ec2') {
    return {
      status: error.status,
      contentType: 'text/xml;charset=UTF-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${tag('Code', error.code)}${tag('Message', error.message)}</Error></Errors><RequestID>err-1</RequestID></Response>`,
    };
  }
  if (service === 'iam-toolbox') {
    return {
      status: error.status,
      contentType: 'application/json',
      headers: { 'x-amzn-errortype': error.code },
      body: JSON.stringify({ message: error.message }),
    };
  }
  const type = service === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${error.code}` : error.code;
  return {
    status: error.status,
    contentType: service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
    body: JSON.stringify({ __type: type, message: error.message }),
  };
}

function xml(route: Route, result: string): Reply {
  const namespace = route.service === 'iam' ? 'https://iam.amazonaws.com/doc/2010-05-08/' : 'https://sts.amazonaws.com/doc/2011-06-15/';
  return {
    status: 200,
    contentType: 'text/xml',
    body: `<${route.operation}Response xmlns="${namespace}"><${route.operation}Result>${result}</${route.operation}Result><ResponseMetadata><RequestId>req</RequestId></ResponseMetadata></${route.operation}Response>`,
  };
}

const json11 = (value: unknown): Reply => ({ status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(value) });

function listXml(element: string, items: readonly string[], next: string | null): string {
  return `<${element}>${items.map((item) => `<member>${item}</member>`).join('')}</${element}>${tag('IsTruncated', next !== null)}${next !== null ? tag('Marker', next) : ''}`;
}

function iamResult(route: Route, world: StandInWorld): string {
  const q = route.query;
  const marker = q.get('Marker') ?? undefined;
  const account = world.accountId;
  const role = (name: string): StandInRole =>
    world.roles?.[name] ??
    (() => {
      throw notFound('iam', `role with name ${name}`);
    })();
  const user = (name: string): StandInUser =>
    world.users?.[name] ??
    (() => {
      throw notFound('iam', `user with name ${name}`);
    })();
  const group = (name: string): StandInGroup =>
    world.groups?.[name] ??
    (() => {
      throw notFound('iam', `group with name ${name}`);
    })();
  const entityXml = (kind: 'Role' | 'User', name: string, entity: StandInRole): string => {
    const path = entity.path ?? '/';
    const arn = `arn:aws:iam::${account}:${kind.toLowerCase()}${path}${name}`;
    const boundary = entity.boundary
      ? `<PermissionsBoundary>${tag('PermissionsBoundaryType', 'Policy')}${tag('PermissionsBoundaryArn', entity.boundary)}</PermissionsBoundary>`
      : '';
    return `<${kind}>${tag('Path', path)}${tag(`${kind}Name`, name)}${tag(`${kind}Id`, `AROA${name.toUpperCase()}`)}${tag('Arn', arn)}${tag('CreateDate', '2026-01-01T00:00:00Z')}${boundary}</${kind}>`;
  };
  const tagsXml = (tags: Record<string, string> | undefined): string => {
    const { items, next } = page(Object.entries(tags ?? {}), marker);
    return listXml(
      'Tags',
      items.map(([key, value]) => `${tag('Key', key)}${tag('Value', value)}`),
      next,
    );
  };
  const names = (inline: Record<string, Document> | undefined): string => {
    const { items, next } = page(Object.keys(inline ?? {}), marker);
    return listXml(
      'PolicyNames',
      items.map((name) => escapeXml(name)),
      next,
    );
  };
  const attachedXml = (arns: readonly string[] | undefined): string => {
    const { items, next } = page(arns ?? [], marker);
    return listXml(
      'AttachedPolicies',
      items.map((arn) => `${tag('PolicyName', lastSegment(arn))}${tag('PolicyArn', arn)}`),
      next,
    );
  };
  const inlineXml = (
    nameKey: 'RoleName' | 'UserName' | 'GroupName',
    owner: string,
    inline: Record<string, Document> | undefined,
  ): string => {
    const policyName = q.get('PolicyName') ?? '';
    const document = inline?.[policyName];
    if (!document) throw notFound('iam', `policy with name ${policyName}`);
    return `${tag(nameKey, owner)}${tag('PolicyName', policyName)}${tag('PolicyDocument', iamDocument(document))}`;
  };
  const managed = (arn: string): StandInManagedPolicy =>
    world.managedPolicies?.[arn] ??
    (() => {
      throw notFound('iam', `policy ${arn}`);
    })();

  switch (route.operation) {
    case 'GetRole':
      return entityXml('Role', q.get('RoleName') ?? '', role(q.get('RoleName') ?? ''));
    case 'GetUser':
      return entityXml('User', q.get('UserName') ?? '', user(q.get('UserName') ?? ''));
    case 'ListRolePolicies':
      return names(role(q.get('RoleName') ?? '').inline);
    case 'ListUserPolicies':
      return names(user(q.get('UserName') ?? '').inline);
    case 'ListGroupPolicies':
      return names(group(q.get('GroupName') ?? '').inline);
    case 'GetRolePolicy':
      return inlineXml('RoleName', q.get('RoleName') ?? '', role(q.get('RoleName') ?? '').inline);
    case 'GetUserPolicy':
      return inlineXml('UserName', q.get('UserName') ?? '', user(q.get('UserName') ?? '').inline);
    case 'GetGroupPolicy':
      return inlineXml('GroupName', q.get('GroupName') ?? '', group(q.get('GroupName') ?? '').inline);
    case 'ListAttachedRolePolicies':
      return attachedXml(role(q.get('RoleName') ?? '').attached);
    case 'ListAttachedUserPolicies':
      return attachedXml(user(q.get('UserName') ?? '').attached);
    case 'ListAttachedGroupPolicies':
      return attachedXml(group(q.get('GroupName') ?? '').attached);
    case 'ListRoleTags':
      return tagsXml(role(q.get('RoleName') ?? '').tags);
    case 'ListUserTags':
      return tagsXml(user(q.get('UserName') ?? '').tags);
    case 'ListGroupsForUser': {
      const { items, next } = page(user(q.get('UserName') ?? '').groups ?? [], marker);
      const groups = items.map(
        (name) =>
          `${tag('Path', '/')}${tag('GroupName', name)}${tag('GroupId', `AGPA${name.toUpperCase()}`)}${tag('Arn', `arn:aws:iam::${account}:group/${name}`)}${tag('CreateDate', '2026-01-01T00:00:00Z')}`,
      );
      return listXml('Groups', groups, next);
    }
    case 'GetPolicy': {
      const arn = q.get('PolicyArn') ?? '';
      const policy = managed(arn);
      return `<Policy>${tag('PolicyName', lastSegment(arn))}${tag('DefaultVersionId', policy.defaultVersion)}${tag('PolicyId', 'ANPA1')}${tag('Path', '/')}${tag('Arn', arn)}${tag('AttachmentCount', 1)}${tag('IsAttachable', true)}</Policy>`;
    }
    case 'GetPolicyVersion': {
      const policy = managed(q.get('PolicyArn') ?? '');
      const versionId = q.get('VersionId') ?? '';
      const document = policy.versions[versionId];
      if (!document) throw notFound('iam', `policy version ${versionId}`);
      return `<PolicyVersion>${tag('Document', iamDocument(document))}${tag('VersionId', versionId)}${tag('IsDefaultVersion', versionId === policy.defaultVersion)}${tag('CreateDate', '2026-01-01T00:00:00Z')}</PolicyVersion>`;
    }
    default:
      throw new AwsFault(400, 'InvalidAction', `The action ${route.operation} is not valid for this web service.`);
  }
}

function stsResult(route: Route, world: StandInWorld): string {
  if (route.operation === 'GetCallerIdentity') {
    const arn = world.callerArn ?? `arn:aws:iam::${world.accountId}:user/stand-in`;
    return `${tag('Arn', arn)}${tag('UserId', 'AIDASTANDIN')}${tag('Account', arn.split(':')[4])}`;
  }
  if (route.operation !== 'AssumeRole') throw new AwsFault(400, 'InvalidAction', `${route.operation} is not answered by the stand-in`);
  const roleArn = route.query.get('RoleArn') ?? '';
  const session = route.query.get('RoleSessionName') ?? '';
  const account = roleArn.split(':')[4];
  const expiration = new Date(Date.now() + 3_600_000).toISOString();
  return (
    `<Credentials>${tag('AccessKeyId', 'ASIAORGREADER')}${tag('SecretAccessKey', 'org-reader-secret')}${tag('SessionToken', 'org-reader-token')}${tag('Expiration', expiration)}</Credentials>` +
    `<AssumedRoleUser>${tag('Arn', `arn:aws:sts::${account}:assumed-role/${lastSegment(roleArn)}/${session}`)}${tag('AssumedRoleId', `AROAORG:${session}`)}</AssumedRoleUser>`
  );
}

function ec2Reply(route: Route, world: StandInWorld): Reply {
  if (route.operation !== 'DescribeVpcEndpoints')
    throw new AwsFault(400, 'InvalidAction', `${route.operation} is not answered by the stand-in`);
  const ids: string[] = [];
  for (const [key, value] of route.query) if (key.startsWith('VpcEndpointId.')) ids.push(value);
  const missing = ids.find((id) => !world.vpcEndpoints?.[id]);
  if (missing) throw notFound('ec2', missing);
  const items = ids.map((id) => {
    const policy = world.vpcEndpoints?.[id]?.policy;
    // EC2 returns the endpoint policy as plain JSON text (not URL-encoded).
    return `<item>${tag('vpcEndpointId', id)}${tag('vpcEndpointType', 'Gateway')}${tag('vpcId', 'vpc-0a1b2c3d')}${tag('serviceName', 'com.amazonaws.eu-west-1.dynamodb')}${tag('state', 'available')}${policy ? tag('policyDocument', JSON.stringify(policy)) : ''}</item>`;
  });
  return {
    status: 200,
    contentType: 'text/xml;charset=UTF-8',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req</requestId><vpcEndpointSet>${items.join('')}</vpcEndpointSet></DescribeVpcEndpointsResponse>`,
  };
}

function organizationsResult(route: Route, world: StandInWorld): unknown {
  const organization = world.organization;
  if (!organization) throw new AwsFault(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  const input = route.json as { ChildId?: string; TargetId?: string; Filter?: string; PolicyId?: string; NextToken?: string };
  const management = organization.managementAccountId;
  const policyArn = (id: string, type: string): string =>
    `arn:aws:organizations::${management}:policy/${organization.id}/${type.toLowerCase()}/${id}`;
  const summary = (id: string) => {
    const policy = organization.policies[id];
    return {
      Id: id,
      Arn: policyArn(id, policy.type),
      Name: policy.name,
      Description: '',
      Type: policy.type,
      AwsManaged: id === 'p-FullAWSAccess',
    };
  };
  switch (route.operation) {
    case 'DescribeOrganization':
      return {
        Organization: {
          Id: organization.id,
          Arn: `arn:aws:organizations::${management}:organization/${organization.id}`,
          FeatureSet: 'ALL',
          MasterAccountArn: `arn:aws:organizations::${management}:account/${organization.id}/${management}`,
          MasterAccountId: management,
          MasterAccountEmail: 'management@example.com',
        },
      };
    case 'ListParents': {
      const child = input.ChildId ?? '';
      const parent = organization.parents[child];
      if (parent === undefined) throw notFound('organizations', child);
      return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
    }
    case 'ListPoliciesForTarget': {
      const ids = (organization.attachments[input.TargetId ?? ''] ?? []).filter((id) => organization.policies[id]?.type === input.Filter);
      const { items, next } = page(ids, input.NextToken);
      return { Policies: items.map(summary), ...(next !== null ? { NextToken: next } : {}) };
    }
    case 'DescribePolicy': {
      const id = input.PolicyId ?? '';
      if (!organization.policies[id])
        throw new AwsFault(400, 'PolicyNotFoundException', `We can't find a policy with the PolicyId that you specified: ${id}`);
      return { Policy: { PolicySummary: summary(id), Content: JSON.stringify(organization.policies[id].document) } };
    }
    default:
      throw new AwsFault(400, 'UnknownOperationException', route.operation);
  }
}

function kmsResult(route: Route, world: StandInWorld): unknown {
  const input = route.json as { KeyId?: string; Marker?: string };
  const keyArn = input.KeyId ?? '';
  const key = world.keys?.[keyArn];
  if (!key) throw notFound('kms', keyArn);
  switch (route.operation) {
    case 'GetKeyPolicy':
      return { Policy: JSON.stringify(key.policy), PolicyName: 'default' };
    case 'DescribeKey':
      return {
        KeyMetadata: {
          AWSAccountId: keyArn.split(':')[4],
          KeyId: lastSegment(keyArn),
          Arn: keyArn,
          CreationDate: 1767225600,
          Enabled: key.state === 'Enabled',
          KeyState: key.state,
          KeyManager: 'CUSTOMER',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Origin: 'AWS_KMS',
        },
      };
    case 'ListGrants': {
      const { items, next } = page(key.grants ?? [], input.Marker);
      return {
        Grants: items.map((grant, index) => ({
          KeyId: keyArn,
          GrantId: `grant-${Number(input.Marker ?? 0) + index}`,
          Name: '',
          CreationDate: 1767225600,
          GranteePrincipal: grant.granteePrincipal,
          IssuingAccount: `arn:aws:iam::${keyArn.split(':')[4]}:root`,
          Operations: grant.operations,
          ...(grant.constraints ? { Constraints: grant.constraints } : {}),
        })),
        Truncated: next !== null,
        ...(next !== null ? { NextMarker: next } : {}),
      };
    }
    default:
      throw new AwsFault(400, 'UnknownOperationException', route.operation);
  }
}

function dynamodbResult(route: Route, world: StandInWorld): unknown {
  const input = route.json as { TableName?: string; ResourceArn?: string; NextToken?: string };
  const tableOfStream = (arn: string): [string, StandInTable] | undefined =>
    Object.entries(world.tables ?? {}).find(([, table]) => table.streamArn === arn);
  switch (route.operation) {
    case 'DescribeTable': {
      const name = input.TableName ?? '';
      const entry = Object.entries(world.tables ?? {}).find(([arn]) => arn === name || lastSegment(arn) === name);
      if (!entry) throw notFound('dynamodb', `Table: ${name} not found`);
      const [arn, table] = entry;
      return {
        Table: {
          TableName: lastSegment(arn),
          TableArn: arn,
          TableStatus: 'ACTIVE',
          KeySchema: table.keySchema.map((key) => ({ AttributeName: key.name, KeyType: key.type })),
          ...(table.kmsKeyArn ? { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: table.kmsKeyArn } } : {}),
          ...(table.streamArn ? { LatestStreamArn: table.streamArn } : {}),
        },
      };
    }
    case 'GetResourcePolicy': {
      const arn = input.ResourceArn ?? '';
      const stream = tableOfStream(arn);
      const table = world.tables?.[arn];
      if (!table && !stream) throw notFound('dynamodb', arn);
      const policy = stream ? stream[1].streamPolicy : table?.policy;
      if (!policy)
        throw new AwsFault(400, 'PolicyNotFoundException', `Resource-based policy not found for the provided ResourceArn: ${arn}`);
      return { Policy: JSON.stringify(policy), RevisionId: '1767225600000' };
    }
    case 'ListTagsOfResource': {
      const table = world.tables?.[input.ResourceArn ?? ''];
      if (!table) throw notFound('dynamodb', input.ResourceArn ?? '');
      const { items, next } = page(Object.entries(table.tags ?? {}), input.NextToken);
      return { Tags: items.map(([Key, Value]) => ({ Key, Value })), ...(next !== null ? { NextToken: next } : {}) };
    }
    default:
      throw new AwsFault(400, 'UnknownOperationException', route.operation);
  }
}

function toolboxResult(route: Route, world: StandInWorld): unknown {
  const [authorizationId] = route.pathParameters;
  const record = world.authorizationDetails?.[authorizationId];
  if (!record) throw notFound('iam-toolbox', authorizationId);
  if (route.operation === 'GetRequestAuthorizationPolicy') {
    const uri = route.query.get('policyUri') ?? '';
    const document = record.policies[uri];
    if (!document) throw notFound('iam-toolbox', uri);
    return { policyDocument: document };
  }
  const index = Number(route.query.get('nextToken') ?? '0');
  const next = index + 1 < record.pages.length ? { nextToken: String(index + 1) } : {};
  return { ...record.pages[index], ...next };
}
