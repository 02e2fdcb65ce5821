import type { Command } from 'commander';
import { processIo, usageErrorsExitWith2, type CliIo } from '../io';

export interface CaptureOptions {
  readonly principal: string[];
  readonly resource: string[];
  readonly vpcEndpoint: string[];
  readonly organization?: boolean;
  readonly fromEvents?: string[];
  readonly orgRole?: string;
  readonly profile?: string;
  readonly region?: string;
  readonly out?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const CAPTURE_HELP = `
Reads, with your AWS credentials (the standard chain, --profile, --region), the policies the named things or the
denials in the events need, and writes them as a denyscope-policies/1 store for \`explain --policies\` and
\`scan --policies\`, offline and elsewhere. The store holds policies, tags and organization structure, never credentials.
Every AWS call honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.

Exit status: 0 when everything was read; 1 when something could not be read (each named on stderr; the store holds
the rest); 2 on a usage error or unreadable events (nothing written).`;

export function registerPolicies(program: Command, io: CliIo = processIo()): void {
  const policies = program
    .command('policies')
    .description('Policy stores: capture the policies denials need from AWS')
    .exitOverride(usageErrorsExitWith2(io));
  policies
    .command('capture')
    .description('Write a denyscope-policies/1 store of what the named principals, resources, endpoints or events need')
    .option('--principal <arn>', 'an IAM role or user ARN (repeatable); an assumed-role session ARN means its role', collect, [])
    .option('--resource <arn>', 'a DynamoDB table, index or stream ARN, or a KMS key ARN (repeatable)', collect, [])
    .option('--vpc-endpoint <id>', 'a VPC endpoint id, vpce-... (repeatable)', collect, [])
    .option('--organization', "the accounts' organization paths and the SCPs and RCPs at every level")
    .option(
      '--from-events <path...>',
      'CloudTrail events, log files or directories (as `explain` and `scan` read them): everything their denials need',
    )
    .option(
      '--org-role <arn>',
      'read Organizations through this role (management account or delegated administrator); implies --organization',
    )
    .option('--profile <name>', 'AWS shared config profile')
    .option('--region <region>', "region of IAM and Organizations calls and of VPC endpoints (tables and keys use their ARN's region)")
    .option('--out <file>', 'where to write the store (required)')
    .addHelpText('after', CAPTURE_HELP)
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (options: CaptureOptions) => {
      const { runCapture } = await import('../policies/capture');
      io.setExitCode(await runCapture(options, io));
    });
}
