import type { Digest, DigestIncident } from '../incidents/digest';
import type { Mute } from '../incidents/mutes';
import { CAUSE_LABELS } from './alert-facts';
import { cutWithEllipsis, escapeSingleLine } from './escape';

/** Long attacker-chosen values (principals, reasons) are cut so one entry cannot flood the digest. */
const VALUE_MAX_LENGTH = 300;

/**
 * The digest as lines of text, every stored value passed through `escape` (one rule per medium): the one list of its
 * parts, which the e-mail/terminal text and the Slack and chat messages (digest-messages.ts) lay out each their way.
 */
export function digestLines(
  digest: Digest,
  escape: (value: string) => string,
): { title: string; sections: { heading: string; lines: string[] }[] } {
  const value = (text: string) => cutWithEllipsis(escape(text), VALUE_MAX_LENGTH);
  const mute = (rule: Mute) => {
    const criteria = (['principal', 'action', 'resource', 'cause', 'account'] as const)
      .filter((key) => rule[key] !== null)
      .map((key) => `${key}=${value(rule[key] ?? '')}`)
      .join(' ');
    return `${value(rule.id)} ${criteria}${rule.until === null ? '' : ` until ${value(rule.until)}`} (${value(rule.reason)}; by ${value(rule.createdBy)})`;
  };
  const incidentLine = (incident: DigestIncident) =>
    `${incident.count} × ${value(incident.action)} on ${value(incident.target)} by ${value(incident.principal)} (${incident.state}, ${value(incident.id)})`;
  const none = (lines: string[]) => (lines.length === 0 ? ['none'] : lines);
  const unlisted = digest.consoleReadsTotal - digest.consoleReads.length;
  return {
    title: `denyscope digest ${digest.since} to ${digest.until}`,
    sections: [
      {
        heading: `New incidents: ${digest.newIncidents.total}`,
        lines: digest.newIncidents.byCause.map(({ cause, incidents }) => `${CAUSE_LABELS[cause] ?? value(cause)}: ${incidents}`),
      },
      {
        heading: 'Noisiest incidents',
        lines: none(digest.noisiest.map(incidentLine)),
      },
      {
        heading: `Console reads, recorded and not alerted: ${digest.consoleReadsTotal}`,
        lines: [...digest.consoleReads.map(incidentLine), ...(unlisted > 0 ? [`and ${unlisted} more`] : [])],
      },
      { heading: 'Incidents', lines: [`open: ${digest.open}`, `acknowledged: ${digest.acknowledged}`] },
      { heading: 'Mutes expiring within 48 h', lines: none(digest.mutesExpiringSoon.map(mute)) },
      { heading: 'Mutes without expiry', lines: none(digest.mutesWithoutExpiry.map(mute)) },
    ],
  };
}

/** For the terminal and the e-mail digest: every value one line (escapeSingleLine). */
export function renderDigestText(digest: Digest): { subject: string; body: string } {
  const { title, sections } = digestLines(digest, escapeSingleLine);
  const body = [title, '', ...sections.flatMap(({ heading, lines }) => [heading, ...lines.map((line) => `  ${line}`), ''])].join('\n');
  return {
    subject: `[denyscope] digest: ${digest.newIncidents.total} new, ${digest.open} open, ${digest.acknowledged} acknowledged`,
    body,
  };
}
