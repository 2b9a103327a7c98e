import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { PROJECT_ROOT } from '../core/paths.ts';

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
    const { code, out } = await run(['demo', '--dir', dir, '--no-serve']);
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

  it('ends by serving the dashboard with a printed consultant login and a client link, until Ctrl-C', async () => {
    const dir = join(root, 'served');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'synecdoche.js'), 'demo', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    while (!/Serving until Ctrl-C/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const url = /7\. The dashboard: (\S+)/.exec(out)?.[1];
    const password = /password (\S+)/.exec(out)?.[1];
    const link = /read-only view \(no password\): (\S+)/.exec(out)?.[1];
    expect(url && password && link, out).toBeTruthy();
    const login = await fetch(`${url}login`, { method: 'POST', redirect: 'manual', headers: { origin: url!.replace(/\/$/, '') }, body: new URLSearchParams({ name: 'consultant', password: password! }) });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const overview = await (await fetch(url!, { headers: { cookie } })).text();
    expect(overview).toContain('Patient database dump');
    expect(overview).toMatch(/1 failed, 1 missing, 1 anomaly, 3 OK/);
    const viaLink = await fetch(link!, { redirect: 'manual' });
    const clientCookie = viaLink.headers.get('set-cookie')!.split(';')[0]!;
    const client = await (await fetch(`${url}client`, { headers: { cookie: clientCookie } })).text();
    expect(client).toContain('Acme Dental');
    expect(client).not.toContain('Baker');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Dashboard stopped.');
  }, 180_000);

  it('refuses to replace a folder that is not an earlier demo', async () => {
    const dir = join(root, 'precious');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.txt'), 'do not delete');
    const { code, out } = await run(['demo', '--dir', dir, '--no-serve']);
    expect(code).toBe(2);
    expect(out).toContain('is not an earlier demo folder');
    expect(readFileSync(join(dir, 'thesis.txt'), 'utf8')).toBe('do not delete');
  });

  it('exits 2 with one line when --dir is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const { code, out } = await run(['demo', '--dir', file, '--no-serve']);
    expect([code, out]).toEqual([2, `synecdoche: --dir: ${file} is a file, expected a folder\n`]);
  });
});
