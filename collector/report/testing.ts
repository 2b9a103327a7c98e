import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import Handlebars from 'handlebars';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { FakeClock } from '../../core/clock.ts';
import { reportCommand, reportCommandDefaults } from './cli.ts';
import { printCss } from './furniture.ts';

const esc = Handlebars.Utils.escapeExpression;

/** A report-like HTML document with the print CSS, for tests and benchmarks of the PDF path. */
export function reportDocument(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${printCss()}</style></head><body>${body}</body></html>`;
}

/** About `pages` A4 pages of job tables (40 rows a page), like a digest of many clients. */
export function manyPagesReport(pages: number): string {
  const rows = Array.from({ length: pages * 40 }, (_, i) =>
    `<tr><td>client-${i % 30}</td><td>site-${i}</td><td>job ${esc(`<nightly #${i}>`)}</td><td style="background:#fdd">failed</td></tr>`).join('');
  return reportDocument(`<h1>Digest</h1><table><thead><tr><th>Client</th><th>Site</th><th>Job</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`);
}

/** A stream that keeps what is written to it. */
export function capture(): PassThrough & { text(): string } {
  const s = new PassThrough();
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return Object.assign(s, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** `synecdoche report ARGS` in-process with a fake clock, as the report tests run it. */
export async function runReport(args: string[], now: Date): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const ctx: CliContext = { env: {}, stdout, stderr, exitCode: 0 };
  const program = new Command('synecdoche').exitOverride().configureOutput({ writeOut: (x) => stdout.write(x), writeErr: (x) => stderr.write(x) });
  program.addCommand(reportCommand(ctx, { ...reportCommandDefaults, clock: new FakeClock(now) }));
  for (const c of program.commands) for (const sub of [c, ...c.commands]) sub.exitOverride();
  let code: number;
  try {
    await program.parseAsync(['node', 'synecdoche', 'report', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : reportError(e, stderr);
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
