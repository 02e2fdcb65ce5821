import { OptionError } from '../scan/filters';

/** How `--deep` reads from AWS: plain data, from the command's options. */
export interface DeepOptions {
  readonly profile?: string;
  /** Region of the IAM and Organizations clients and of VPC endpoints (tables and keys use their ARN's). */
  readonly region?: string;
  /** A role in the management account (or a delegated administrator) to read Organizations through. */
  readonly orgRole?: string;
  /** Whether the organization's SCPs and RCPs are read (--organization, or --org-role). */
  readonly organization: boolean;
  /** A store was given with --policies: it takes the place of the fetched policies. */
  readonly withStore: boolean;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/** --org-role, here and in `policies capture`: a role ARN. */
export function checkOrgRole(orgRole: string | undefined): void {
  if (orgRole !== undefined && !ROLE_ARN.test(orgRole)) throw new OptionError(`--org-role must be an IAM role ARN, got "${orgRole}"`);
}

/** --profile, --org-role and --organization checked; they mean something only with --deep. */
export function parseDeepOptions(
  options: { readonly deep?: boolean; readonly profile?: string; readonly orgRole?: string; readonly organization?: boolean },
  region: string | undefined,
  withStore: boolean,
): DeepOptions | null {
  if (options.deep !== true) {
    const stray = options.orgRole !== undefined ? '--org-role' : options.organization === true ? '--organization' : null;
    if (stray !== null) throw new OptionError(`${stray} applies to --deep only`);
    return null;
  }
  checkOrgRole(options.orgRole);
  if (options.profile !== undefined && options.profile.trim() === '') throw new OptionError('--profile must not be empty');
  return {
    ...(options.profile === undefined ? {} : { profile: options.profile.trim() }),
    ...(region === undefined ? {} : { region }),
    ...(options.orgRole === undefined ? {} : { orgRole: options.orgRole }),
    organization: options.organization === true || options.orgRole !== undefined,
    withStore,
  };
}
