import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';

/** Packages whose commands code sends: the service clients, and DynamoDB's document client built on one. */
const SDK_PACKAGE = /^@aws-sdk\/(client-[a-z0-9-]+|lib-dynamodb)$/;
const COMMAND_CLASS = /^[A-Z][A-Za-z0-9]*Command$/;
/** Exports that send commands of their own choosing: paginators and waiters. */
const SENDS_BY_ITSELF = /^(paginate|waitFor|waitUntil)/;
const MARK = /"sdk-(command|indirect):([^"#]+)#([A-Za-z0-9_$]+)"/g;

export interface SdkCommand {
  /** The package the code imports it from, e.g. '@aws-sdk/lib-dynamodb'. */
  readonly module: string;
  /** Its export name, e.g. 'UpdateCommand'. */
  readonly name: string;
}

/**
 * Stand-ins for an SDK package: every export becomes an empty class, and those that send requests carry a
 * string naming them. Tree shaking keeps a class only if reachable code uses it, so the strings left in the
 * bundle are exactly the commands the code can send.
 */
function standIns(module: string): string {
  const names = Object.keys(require(module) as Record<string, unknown>);
  const sendsByItself = (name: string) => SENDS_BY_ITSELF.test(name) || names.includes(`${name}Client`); // aggregated client: DynamoDB, SNS, ...
  return names
    .map((name) => {
      const kind = COMMAND_CLASS.test(name) ? 'command' : sendsByItself(name) ? 'indirect' : undefined;
      return kind
        ? `export class ${name} { static sdkMark = ${JSON.stringify(`sdk-${kind}:${module}#${name}`)}; }`
        : `export class ${name} {}`;
    })
    .join('\n');
}

/**
 * The AWS SDK commands that code reachable from `entry` can send, found by bundling `entry` as the stack bundles the
 * Lambda (esbuild, tree shaking, `@aws-sdk/*` outside the bundle) with each SDK package replaced by
 * {@link standIns}. A paginator, waiter or aggregated client (`new DynamoDB().getItem()`) sends commands the
 * bundle cannot show: using one is an error. `leaveOut` (a file) is bundled as an empty module.
 */
export async function sdkCommandsSentFrom(entry: string, options: { readonly leaveOut?: string } = {}): Promise<SdkCommand[]> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    treeShaking: true,
    logLevel: 'silent',
    external: ['@aws-sdk/*'],
    plugins: [
      {
        name: 'sdk-stand-ins',
        setup(build) {
          build.onResolve({ filter: SDK_PACKAGE }, (args) => ({ path: args.path, namespace: 'sdk-stand-ins' }));
          build.onLoad({ filter: /.*/, namespace: 'sdk-stand-ins' }, (args) => ({ contents: standIns(args.path), loader: 'js' }));
        },
      },
      {
        // A module whose commands are counted apart (deep diagnosis): an empty one in its place.
        name: 'left-out',
        setup(build) {
          const { leaveOut } = options;
          if (leaveOut === undefined) return;
          build.onResolve({ filter: /.*/ }, (args) =>
            path.resolve(args.resolveDir, args.path) === leaveOut.replace(/\.ts$/, '') ||
            path.resolve(args.resolveDir, args.path) === leaveOut
              ? { path: leaveOut, namespace: 'left-out' }
              : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: 'export {}', loader: 'js' }));
        },
      },
    ],
  });
  const commands = new Map<string, SdkCommand>();
  for (const [, kind, module, name] of result.outputFiles[0].text.matchAll(MARK)) {
    if (kind === 'indirect') {
      throw new Error(
        `${path.relative(process.cwd(), entry)} reaches ${name} of ${module}, which sends commands this check cannot see: send each command with client.send(new XxxCommand(...)) instead`,
      );
    }
    commands.set(`${module}#${name}`, { module, name });
  }
  return [...commands.values()].sort((a, b) => `${a.module}#${a.name}`.localeCompare(`${b.module}#${b.name}`));
}

/**
 * Operations that no action of their own name authorizes: what they need depends on the request. Mapping one is
 * an error that says what to write into the policy by hand.
 */
const AUTHORIZED_PER_REQUEST: Record<string, string> = {
  'dynamodb:TransactWriteItems':
    'each item needs dynamodb:PutItem, UpdateItem, DeleteItem or ConditionCheckItem (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions")',
  'dynamodb:TransactGetItems': 'each item needs dynamodb:GetItem (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions")',
  'dynamodb:ExecuteStatement':
    'each statement needs dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate or PartiQLDelete (DynamoDB Developer Guide, "IAM security policies with PartiQL")',
  'dynamodb:BatchExecuteStatement':
    'each statement needs dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate or PartiQLDelete (DynamoDB Developer Guide, "IAM security policies with PartiQL")',
  'dynamodb:ExecuteTransaction':
    'each statement needs dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate or PartiQLDelete (DynamoDB Developer Guide, "IAM security policies with PartiQL")',
};

/** The service client package behind `module`: itself, or for lib-dynamodb the client it is built on (its peer dependency). */
function servicePackageOf(module: string): string {
  if (module.startsWith('@aws-sdk/client-')) return module;
  const manifest = JSON.parse(fs.readFileSync(require.resolve(`${module}/package.json`), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
  const clients = Object.keys(manifest.peerDependencies ?? {}).filter((name) => name.startsWith('@aws-sdk/client-'));
  if (clients.length !== 1) throw new Error(`${module}: expected one @aws-sdk/client-* peer dependency, found ${clients.length}`);
  return clients[0];
}

/** The SigV4 signing name of a service client package (dynamodb, sns, secretsmanager, kms). */
function signingNameOf(servicePackage: string): string {
  const exports = require(servicePackage) as Record<string, unknown>;
  const clientNames = Object.keys(exports).filter((name) => /^[A-Z][A-Za-z0-9]*Client$/.test(name));
  if (clientNames.length !== 1)
    throw new Error(`${servicePackage}: expected one XxxClient export, found ${clientNames.join(', ') || 'none'}`);
  const Client = exports[clientNames[0]] as new (config: object) => { config: { defaultSigningName?: string }; destroy(): void };
  const client = new Client({ region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  client.destroy();
  if (!client.config.defaultSigningName) throw new Error(`${servicePackage}: the client has no signing name`);
  return client.config.defaultSigningName;
}

/**
 * The IAM action that authorizes `command`. For the services the Lambda calls, the Service Authorization Reference
 * names each action `<prefix>:<operation>`, the prefix being the service's SigV4 signing name: the command's
 * operation comes from the SDK itself (lib-dynamodb's commands wrap the client command they send: UpdateCommand
 * sends UpdateItem).
 */
export function iamActionOf(command: SdkCommand): string {
  const Command = (require(command.module) as Record<string, new (input: object) => { clientCommand?: object }>)[command.name];
  const instance = new Command({});
  const sent = instance.clientCommand ?? instance;
  const operation = sent.constructor.name.replace(/Command$/, '');
  const action = `${signingNameOf(servicePackageOf(command.module))}:${operation}`;
  const perRequest = AUTHORIZED_PER_REQUEST[action];
  if (perRequest)
    throw new Error(
      `${command.name} of ${command.module} (${operation}) has no IAM action of its own: ${perRequest}. Write those actions into the policy and the test by hand.`,
    );
  return action;
}
