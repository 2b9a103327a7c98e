import { describe, expect, it } from 'vitest';
import type { ForeignMail } from '../../core/email/lean.ts';
import { recogniseRequest, type RequestIntake } from './intake.ts';

const intake: RequestIntake = {
  address: 'backups+requests@example.com',
  contacts: new Map([['anna@acme.example', ['acme']]]),
  clients: new Map([['acme', { zone: 'Europe/Berlin', sites: ['office-fs'] }]]),
};

function mail(from: string, to: string, text: string, headers: Record<string, string> = {}): [ForeignMail, { messageId: null; from: string; subject: null; date: null }] {
  return [{ headers: new Map(Object.entries(headers)), to: { value: [{ address: to, name: '' }] }, text, html: false, attachments: [] }, { messageId: null, from, subject: null, date: null }];
}

describe('which mails are client requests', () => {
  it('takes a contact\'s mail with a BACKUP or RESTORE line, to any address, and one to the requests address without', () => {
    expect(recogniseRequest(...mail('Anna@Acme.example', 'pat@consult.example', 'RESTORE documents /x'), intake, false)).toMatchObject({ from: 'anna@acme.example', clientIds: ['acme'], line: { action: 'restore' } });
    expect(recogniseRequest(...mail('anna@acme.example', 'backups+requests@example.com', 'Thanks!'), intake, false)).toMatchObject({ line: null });
  });

  it('leaves a contact\'s ordinary mail to the consultant alone', () => {
    expect(recogniseRequest(...mail('anna@acme.example', 'pat@consult.example', 'See you on Monday.'), intake, false)).toBeNull();
  });

  it('takes a stranger only when writing to the requests address, and only after the third-party rules had their turn', () => {
    expect(recogniseRequest(...mail('mallory@evil.example', 'backups+requests@example.com', 'RESTORE documents /x'), intake, false)).toBeNull();
    expect(recogniseRequest(...mail('mallory@evil.example', 'backups+requests@example.com', 'RESTORE documents /x'), intake, true)).toMatchObject({ clientIds: [] });
    // A backup tool's notification starting with "Backup ..." to another address stays a notification.
    expect(recogniseRequest(...mail('veeam@nas.example', 'backups@example.com', 'Backup job nightly finished'), intake, true)).toBeNull();
  });

  it('never takes an automatic reply (out of office), which would start a loop of answers', () => {
    expect(recogniseRequest(...mail('anna@acme.example', 'backups+requests@example.com', 'BACKUP documents NOW', { 'auto-submitted': 'auto-replied' }), intake, false)).toBeNull();
    expect(recogniseRequest(...mail('anna@acme.example', 'backups+requests@example.com', 'BACKUP documents NOW', { precedence: 'bulk' }), intake, false)).toBeNull();
  });
});
