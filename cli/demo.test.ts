import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';

const root = mkdtempSync(join(tmpdir(), 'syn-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(['node', 'synecdoche', ...args], {}, { stdout: out, stderr: out });
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe('synecdoche demo', () => {
  it('runs the whole loop and writes a digest and a client summary as HTML and PDF', async () => {
    const dir = join(root, 'demo');
    const { code, out } = await run(['demo', '--dir', dir]);
    expect(code, out).toBe(0);
    // Every kind of news reaches the status table.
    expect(out).toMatch(/database\s+FAILED .*last run failed: exited with code 1: pg_dump: error: connection to server at "db1" .*Connection refused/);
    expect(out).toMatch(/offsite\s+MISSING/);
    expect(out).toMatch(/projects\s+ANOMALY .*anomaly: examined 0 files/);
    expect(out).toContain('1 quarantined (unknown-key), 0 duplicates, 1 third-party');
    // Duplicati's own mail from a site with no agent, mapped by a rule and marked unsigned.
    expect(out).toMatch(/acme\s+acme-nas\s+cloud-copy\s+OK .*unsigned: from the tool's own notification email/);
    const day = /digest-(\d{4}-\d{2}-\d{2})\.html/.exec(out)![1]!;
    const folder = join(dir, 'reports', day.slice(0, 4), day.slice(5, 7));
    const digestPdf = join(folder, `digest-${day}.pdf`);
    for (const f of [`digest-${day}.html`, `client-acme-${day}.html`, `digest-${day}.pdf`, `client-acme-${day}.pdf`]) expect(existsSync(join(folder, f)), f).toBe(true);
    const text = execFileSync('pdftotext', ['-layout', digestPdf, '-']).toString('utf8');
    expect(text).toContain('1 failed, 1 missing, 1 anomaly, 3 OK');
    expect(text).toContain('Patient database dump');
    const client = readFileSync(join(folder, `client-acme-${day}.html`), 'utf8');
    expect(client).toContain('Acme Dental');
    expect(client).not.toContain('Baker');
    expect(client).not.toContain('exit code');
    expect(client).toContain('Cloud copy');
    expect(client).toContain("(reported by the backup program's own email)");
    // The archive the demo wrote verifies.
    const verify = await run(['report', 'verify-archive', '-c', join(dir, 'collector.yaml')]);
    expect(verify.code, verify.out).toBe(0);
  });

  it('refuses to replace a folder that is not an earlier demo', async () => {
    const dir = join(root, 'precious');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.txt'), 'do not delete');
    const { code, out } = await run(['demo', '--dir', dir]);
    expect(code).toBe(2);
    expect(out).toContain('is not an earlier demo folder');
    expect(readFileSync(join(dir, 'thesis.txt'), 'utf8')).toBe('do not delete');
  });

  it('exits 2 with one line when --dir is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const { code, out } = await run(['demo', '--dir', file]);
    expect([code, out]).toEqual([2, `synecdoche: --dir: ${file} is a file, expected a folder\n`]);
  });
});
