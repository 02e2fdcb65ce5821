import fs from 'node:fs';
import path from 'node:path';
import { AwsPolicySource } from '../../lambdas/adapters/policy-sources/aws-policy-source';
import { arnAccount, iamEntityOf, principalOfCallerArn } from '../../core/diagnosis/arn';
import { diagnose, InputError, readRecords, type Diagnosis } from '../../core/diagnosis';
import { isStreamArn, isVpcEndpointId, mergeNeeds, needsOfDiagnosis, resourceKindOf, tableArnOf } from '../../core/policy/needs';
import type { EvidenceNeeds } from '../../core/policy/ports';
import type { PolicyStoreFile } from '../../core/policy/store-fragment';
import { escapeSingleLine } from '../../core/render/escape';
import type { CaptureOptions } from '../commands/policies';
import { checkOrgRole } from '../deep/deep-options';
import { describeFileError, readInputFile, readStream } from '../input';
import { EXIT, reportInputError, type CliIo } from '../io';
import { silenceSdkNodeVersionNotice } from '../local/endpoints';
import { collectInputs } from '../scan/files';
import { OptionError } from '../scan/filters';

/** Something could not be read from AWS: the store holds the rest. */
const EXIT_INCOMPLETE = 1;

/** `denyscope policies capture`: returns the exit status. */
export async function runCapture(options: CaptureOptions, io: CliIo): Promise<number> {
  let needs: EvidenceNeeds;
  let out: string;
  try {
    out = checkOptions(options);
    needs = mergeNeeds([needsOfOptions(options), ...(await needsOfEvents(options.fromEvents ?? [], io, organizationWanted(options)))]);
    if (organizationWanted(options) && needs.accounts.length === 0) {
      throw new OptionError('--organization needs accounts: name them through --principal, --resource or --from-events');
    }
  } catch (error) {
    if (!(error instanceof OptionError || error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }

  silenceSdkNodeVersionNotice();
  const source = new AwsPolicySource({ region: options.region, profile: options.profile, organizationRoleArn: options.orgRole });
  let result;
  try {
    result = await source.read(needs);
  } finally {
    source.destroy();
  }
  try {
    writeAtomically(out, `${JSON.stringify(result.store, null, 2)}\n`);
  } catch (error) {
    io.stderr.write(`denyscope: cannot write ${escapeSingleLine(out)}: ${escapeSingleLine(describeFileError(error))}\n`);
    return EXIT_INCOMPLETE;
  }
  for (const line of result.missingPolicies) io.stderr.write(`denyscope: could not read ${escapeSingleLine(line)}\n`);
  io.stderr.write(
    `denyscope: wrote ${escapeSingleLine(out)}: ${summarize(result.store)}${result.missingPolicies.length > 0 ? `; ${result.missingPolicies.length} could not be read` : ''}\n`,
  );
  return result.missingPolicies.length > 0 ? EXIT_INCOMPLETE : EXIT.ok;
}

function organizationWanted(options: CaptureOptions): boolean {
  return options.organization === true || options.orgRole !== undefined;
}

function checkOptions(options: CaptureOptions): string {
  if (options.out === undefined || options.out === '') throw new OptionError('--out FILE is required: where to write the store');
  const nothingNamed =
    options.principal.length + options.resource.length + options.vpcEndpoint.length + (options.fromEvents?.length ?? 0) === 0;
  if (nothingNamed) throw new OptionError('nothing to capture: give --principal, --resource, --vpc-endpoint or --from-events');
  for (const principal of options.principal) {
    if (!iamEntityOf(principalOfCallerArn(principal)))
      throw new OptionError(`--principal must be an IAM role or user ARN (or an assumed-role session ARN), got "${principal}"`);
  }
  for (const resource of options.resource) {
    if (resourceKindOf(resource) === null)
      throw new OptionError(`--resource must be a DynamoDB table, index or stream ARN or a KMS key ARN, got "${resource}"`);
  }
  for (const endpoint of options.vpcEndpoint) {
    if (!isVpcEndpointId(endpoint))
      throw new OptionError(`--vpc-endpoint must be a VPC endpoint id (vpce- and 8 or 17 hex digits), got "${endpoint}"`);
  }
  checkOrgRole(options.orgRole);
  return options.out;
}

function needsOfOptions(options: CaptureOptions): EvidenceNeeds {
  const principals = options.principal.map(principalOfCallerArn);
  const resources: string[] = [];
  const keys: string[] = [];
  for (const resource of options.resource) {
    if (resourceKindOf(resource) === 'kms-key') keys.push(resource);
    else {
      if (isStreamArn(resource)) resources.push(resource);
      resources.push(tableArnOf(resource) ?? resource);
    }
  }
  const accounts = organizationWanted(options)
    ? [...principals, ...options.resource].map((arn) => arnAccount(arn)).filter((account): account is string => account !== null)
    : [];
  return {
    principals,
    resources,
    keys,
    vpcEndpoints: options.vpcEndpoint.map((id) => ({ id, region: options.region ?? null })),
    accounts,
  };
}

/** The needs of every denial in the events; an unreadable input is an input error (nothing is captured). */
async function needsOfEvents(paths: readonly string[], io: CliIo, organization: boolean): Promise<EvidenceNeeds[]> {
  if (paths.length === 0) return [];
  const collected = collectInputs(paths);
  if (collected.errors.length > 0) throw new InputError(collected.errors[0].file, collected.errors[0].message);
  const needs: EvidenceNeeds[] = [];
  for (const input of collected.inputs) {
    const source = input.kind === 'stdin' ? 'stdin' : input.path;
    let content: Buffer;
    try {
      content = input.kind === 'stdin' ? await readStream(io.stdin) : await readInputFile(input.path);
    } catch (error) {
      throw new InputError(source, describeFileError(error));
    }
    for (const record of readRecords(content, source)) {
      const diagnosis: Diagnosis | null = diagnose(record);
      if (diagnosis) needs.push(needsOfDiagnosis(diagnosis, { organization }));
    }
  }
  return needs;
}

function summarize(store: PolicyStoreFile): string {
  const count = (part: object | undefined, noun: string): string => {
    const n = part ? Object.keys(part).length : 0;
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
  };
  const levels = store.organization ? Object.keys(store.organization.serviceControlPolicies ?? {}).length : 0;
  return [
    count(store.principals, 'principal'),
    count(store.resources, 'resource'),
    count(store.keys, 'key'),
    count(store.vpcEndpoints, 'VPC endpoint'),
    `${levels} organization level${levels === 1 ? '' : 's'}`,
  ].join(', ');
}

/** Written aside and renamed into place, so a reader never sees half a store. */
function writeAtomically(file: string, content: string): void {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  fs.writeFileSync(partial, content, { mode: 0o600 });
  fs.renameSync(partial, file);
}
