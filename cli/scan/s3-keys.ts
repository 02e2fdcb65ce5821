import { OptionError } from './filters';

/**
 * Where CloudTrail puts its log files in S3 and which of them can hold a period's events. Pure: the listing is a
 * port, so this is CloudTrail's layout and nothing else. The layout (CloudTrail User Guide, "Finding your
 * CloudTrail log files" and "CloudTrail log file name format"):
 *
 *   [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
 *
 * The organization id level exists for organization trails only. YYYY/MM/DD and the name's time are when the
 * file was delivered (UTC), and a file holds records written at any point before that.
 */

export interface S3Location {
  readonly bucket: string;
  /** '' for the whole bucket, else ending with '/'. */
  readonly prefix: string;
}

export const isS3Url = (argument: string): boolean => argument.startsWith('s3://');

/** s3://BUCKET[/PREFIX]; the prefix is taken as a folder. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (match === null)
    throw new OptionError(
      `"${url}" is not an S3 location: expected s3://BUCKET/PREFIX (a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens)`,
    );
  const prefix = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

export const s3Url = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/** The listing the layout is discovered with: the "folders" right under a prefix (CommonPrefixes with Delimiter "/"). */
export interface FolderLister {
  folders(prefix: string): Promise<string[]>;
}

/** Narrows the listing: only these accounts and these regions (null = all found). */
export interface TrailScope {
  readonly accounts: readonly string[] | null;
  readonly regions: readonly string[] | null;
}

/** A prefix to list: a region's folder (`byDay`: list one day at a time) or a deeper folder given in the location. */
export interface TrailPrefix {
  readonly prefix: string;
  readonly byDay: boolean;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const LOGS_FOLDER = 'AWSLogs';
const TRAIL_FOLDER = 'CloudTrail';

/**
 * The folders holding a trail's log files under a location, in key order; null when the location is not in
 * CloudTrail's layout (no AWSLogs folder on its path or right under it), where every object is to be read.
 * Throws OptionError for a location inside AWSLogs that is not a CloudTrail log folder (a digest or another
 * service's logs).
 */
export async function trailPrefixes(location: S3Location, scope: TrailScope, lister: FolderLister): Promise<TrailPrefix[] | null> {
  const segments = location.prefix.split('/').filter((segment) => segment !== '');
  const logsAt = segments.indexOf(LOGS_FOLDER);
  if (logsAt === -1) {
    const logs = `${location.prefix}${LOGS_FOLDER}/`;
    if (!(await lister.folders(location.prefix)).includes(logs)) return null;
    return underLogs(location, logs, [], scope, lister);
  }
  return underLogs(location, `${segments.slice(0, logsAt + 1).join('/')}/`, segments.slice(logsAt + 1), scope, lister);
}

async function underLogs(
  location: S3Location,
  logs: string,
  given: string[],
  scope: TrailScope,
  lister: FolderLister,
): Promise<TrailPrefix[]> {
  const notATrail = (): OptionError =>
    new OptionError(
      `s3://${location.bucket}/${location.prefix} is not a CloudTrail log folder: expected .../AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`,
    );
  let rest = given;
  // The account folders: under the organization id for an organization trail, else right under AWSLogs.
  let accountFolders: string[];
  if (rest.length > 0 && ORGANIZATION_ID.test(rest[0])) {
    const organization = `${logs}${rest[0]}/`;
    rest = rest.slice(1);
    accountFolders = rest.length > 0 ? [`${organization}${rest[0]}/`] : await lister.folders(organization);
  } else if (rest.length > 0) {
    accountFolders = [`${logs}${rest[0]}/`];
  } else {
    accountFolders = [];
    for (const folder of await lister.folders(logs)) {
      if (ORGANIZATION_ID.test(lastSegment(folder))) accountFolders.push(...(await lister.folders(folder)));
      else accountFolders.push(folder);
    }
  }
  if (rest.length > 0 && !ACCOUNT_ID.test(rest[0])) throw notATrail();
  if (rest.length > 1 && rest[1] !== TRAIL_FOLDER) throw notATrail();
  const accounts = accountFolders.filter((folder) => {
    const account = lastSegment(folder);
    return ACCOUNT_ID.test(account) && (scope.accounts === null || scope.accounts.includes(account));
  });

  const prefixes: TrailPrefix[] = [];
  for (const account of accounts) {
    const trail = `${account}${TRAIL_FOLDER}/`;
    if (rest.length > 2) {
      // A region given, perhaps a date too: that folder, if the scope keeps its region.
      if (scope.regions === null || scope.regions.includes(rest[2]))
        prefixes.push({ prefix: `${trail}${rest.slice(2).join('/')}/`, byDay: rest.length === 3 });
      continue;
    }
    const regions = scope.regions !== null ? [...scope.regions].sort().map((region) => `${trail}${region}/`) : await lister.folders(trail);
    for (const region of regions) prefixes.push({ prefix: region, byDay: true });
  }
  return prefixes;
}

const lastSegment = (folder: string): string => folder.slice(folder.lastIndexOf('/', folder.length - 2) + 1, -1);

/** The period asked for, and now: the last day there can be files for. */
export interface Period {
  readonly sinceMs: number | null;
  readonly untilMs: number | null;
  readonly nowMs: number;
}

/**
 * How long after --until a log file is still read for events up to --until. CloudTrail delivers within about 5
 * minutes on average, not guaranteed; a file delivered later than this is not read.
 */
export const LATE_DELIVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/**
 * The folders to list under a region's folder for the period: one per day from the day of --since (a file delivered
 * before --since holds nothing after it) to the day of --until plus LATE_DELIVERY_MS (files delivered just after
 * midnight hold the previous day's last events), never after today. Without --since, the region's whole folder.
 */
export function dayPrefixes(region: string, period: Period): string[] {
  if (period.sinceMs === null) return [region];
  const last = Math.min(period.untilMs === null ? period.nowMs : period.untilMs + LATE_DELIVERY_MS, period.nowMs);
  const prefixes: string[] = [];
  for (let day = Math.floor(period.sinceMs / DAY_MS) * DAY_MS; day <= last; day += DAY_MS) {
    prefixes.push(`${region}${new Date(day).toISOString().slice(0, 10).replace(/-/g, '/')}/`);
  }
  return prefixes;
}

const LOG_FILE_NAME = /(?:^|\/)\d{12}_CloudTrail_[A-Za-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]+\.json(?:\.gz)?$/;

/** When a log file was delivered, from its name (to the minute, UTC); null for a name not in CloudTrail's format. */
export function deliveryTime(key: string): number | null {
  const match = LOG_FILE_NAME.exec(key);
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute);
  const date = new Date(time);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 ? time : null;
}

/**
 * Whether an object can hold events of the period: folder markers, hidden objects and digest files cannot (as
 * when walking a directory); a log file delivered (its name says) before --since, or more than LATE_DELIVERY_MS
 * after --until, is not read. Any other name is read.
 */
export function mayHoldPeriod(key: string, period: Period): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name === '' || name.startsWith('.') || key.split('/').includes('CloudTrail-Digest')) return false;
  const delivered = deliveryTime(key);
  if (delivered === null) return true;
  if (period.sinceMs !== null && delivered + MINUTE_MS <= period.sinceMs) return false;
  return period.untilMs === null || delivered <= period.untilMs + LATE_DELIVERY_MS;
}
