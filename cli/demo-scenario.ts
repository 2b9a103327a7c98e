import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The demo's embedded default: two clients, two sites, a handful of jobs chosen so that the
 * digest shows every kind of news: good backups, a failure, a success with zero files, a job
 * that stopped reporting, and a forged report.
 */
export interface DemoSite {
  id: string;
  clientId: string;
  clientName: string;
  timeZone: string;
  dir: string;
}

export function demoSites(root: string): DemoSite[] {
  return [
    { id: 'acme-fs1', clientId: 'acme', clientName: 'Acme Dental', timeZone: 'Europe/London', dir: join(root, 'sites', 'acme-fs1') },
    { id: 'baker-nas', clientId: 'baker', clientName: 'Baker & Sons', timeZone: 'America/New_York', dir: join(root, 'sites', 'baker-nas') },
  ];
}

/** Writes sample files to back up: a few folders of small documents. */
export function makeSampleData(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `folder-${i % 4}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `document-${i}.txt`), `Demo document ${i}\n${'lorem ipsum '.repeat(50 + i * 7)}\n`);
  }
}

/** The agent config of a demo site, as YAML text. */
export function agentYaml(site: DemoSite, smtpPort: number): string {
  const jobs =
    site.id === 'acme-fs1'
      ? [
          { id: 'documents', name: 'Practice documents', plugin: 'copy', options: { source: join(site.dir, 'data/documents'), destination: join(site.dir, 'backup/documents'), verify: 'copied' }, schedule: '0 2 * * *', timeoutMinutes: 60 },
          { id: 'xrays', name: 'X-ray images', plugin: 'copy', options: { source: join(site.dir, 'data/xrays'), destination: join(site.dir, 'backup/xrays'), verify: 'all' }, schedule: '30 2 * * *' },
          {
            id: 'database',
            name: 'Patient database dump',
            plugin: 'command',
            // A dump that fails the way real ones do; `node -e` keeps the demo portable.
            options: { command: process.execPath, args: ['-e', "console.error('pg_dump: error: connection to server at \"db1\" (10.0.0.5), port 5432 failed: Connection refused'); process.exit(1)"] },
            schedule: '0 3 * * *',
          },
        ]
      : [{ id: 'projects', name: 'Project files', plugin: 'copy', options: { source: join(site.dir, 'data/projects'), destination: join(site.dir, 'backup/projects') }, schedule: '0 1 * * *' }];
  return stringify({
    site: { id: site.id, client: site.clientName, timeZone: site.timeZone },
    keyFile: 'site.key',
    smtp: { host: '127.0.0.1', port: smtpPort, tls: 'none' },
    mail: { from: `Synecdoche agent <agent@${site.id}.example>`, to: 'backups@consultant.example' },
    outbox: 'outbox',
    stateDir: 'state',
    jobs,
  });
}

/** The collector config of the demo, as YAML text. */
export function collectorYaml(sites: DemoSite[], publicKeys: Record<string, string>, maildir: string): string {
  return stringify({
    database: { path: 'synecdoche.db' },
    archive: { folder: 'reports' },
    mailboxes: [{ name: 'demo', type: 'maildir', path: maildir }],
    consultant: { name: 'Sam Consultant', email: 'sam@consultant.example', timeZone: 'Europe/London', digestTime: '07:00' },
    clients: sites.map((s) => ({ id: s.clientId, name: s.clientName, contacts: [`office@${s.clientId}.example`], timeZone: s.timeZone })),
    sites: sites.map((s) => ({ id: s.id, client: s.clientId, publicKeys: [publicKeys[s.id]], heartbeatExpected: false })),
    // Acme's NAS runs Duplicati, which mails its own report: no agent there, no signature.
    thirdParty: {
      rules: [{ name: 'acme-duplicati', from: DUPLICATI_SENDER, parser: 'duplicati', client: 'acme', site: 'acme-nas', schedule: { cron: '0 1 * * *', timeZone: 'Europe/London', graceMinutes: 120 } }],
    },
  });
}

/** The sender of the demo's Duplicati mails (the rule names it). */
export const DUPLICATI_SENDER = 'duplicati@acme-nas.example';

/**
 * A Duplicati 2.0.4.5 text report (the layout of a real one, see
 * collector/thirdparty/duplicati/fixtures/text-success-epoch-2.0.4.5.eml) for a run that ended
 * at `end`, as Duplicati's send-mail module mails it.
 */
export function duplicatiReport(job: string, end: Date): { subject: string; text: string } {
  const e = Math.floor(end.getTime() / 1000);
  const b = e - 754;
  const local = (t: number) => new Date(t * 1000).toLocaleString('en-US', { timeZone: 'Europe/London' }).replace(',', '');
  const lines = [
    `Duplicati Backup report for ${job}`, '',
    'DeletedFiles: 3', 'DeletedFolders: 0', 'ModifiedFiles: 41', 'ExaminedFiles: 18734', 'OpenedFiles: 57', 'AddedFiles: 16',
    'SizeOfModifiedFiles: 812294201', 'SizeOfAddedFiles: 20417766', 'SizeOfExaminedFiles: 96120466732', 'SizeOfOpenedFiles: 832711967',
    'NotProcessedFiles: 0', 'AddedFolders: 2', 'TooLargeFiles: 0', 'FilesWithError: 0', 'ModifiedFolders: 0', 'ModifiedSymlinks: 0',
    'AddedSymlinks: 0', 'DeletedSymlinks: 0', 'PartialBackup: False', 'Dryrun: False', 'MainOperation: Backup', 'ParsedResult: Success',
    'Version: 2.0.4.5 (2.0.4.5_beta_2018-11-28)', `EndTime: ${local(e)} (${e})`, `BeginTime: ${local(b)} (${b})`, 'Duration: 00:12:34.0431211',
  ];
  return { subject: `Duplicati Backup report for ${job}`, text: `${lines.join('\r\n')}\r\n` };
}
