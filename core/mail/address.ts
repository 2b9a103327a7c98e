import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

const ADDRESS = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+$/;
const EXAMPLE = 'expected an email address such as backups@example.com or "Backups <backups@example.com>"';

/**
 * The addresses in one header-style string ("a@x.example", "Name <a@x.example>, b@y.example"),
 * read by nodemailer's own parser, or the first part that is not an address. A display name with
 * an "@" is refused: it is nearly always a list with a missing comma ("a@x b@y" would send to a@x only).
 */
export function parseAddresses(text: string): { addresses: string[] } | { bad: string; why?: string } {
  const list = addressparser(text, { flatten: true });
  if (list.length === 0) return { bad: text };
  for (const a of list) {
    if (a.name.includes('@')) return { bad: text, why: 'looks like two addresses without a comma between them;' };
    if (!ADDRESS.test(a.address) || a.address.startsWith('.') || a.address.endsWith('.')) return { bad: a.address || a.name };
  }
  return { addresses: list.map((a) => a.address) };
}

function addressCheck(max: number) {
  return (v: string, ctx: z.RefinementCtx) => {
    const r = parseAddresses(v);
    if ('bad' in r) ctx.addIssue({ code: 'custom', message: r.why ? `${r.why} ${EXAMPLE}` : r.bad === v ? EXAMPLE : `"${r.bad}" is not an email address; ${EXAMPLE}` });
    else if (r.addresses.length > max) ctx.addIssue({ code: 'custom', message: `expected one address, got ${r.addresses.length}` });
  };
}

/** Exactly one email address, with or without a display name (a sender). */
export const EmailAddress = z.string().min(1).superRefine(addressCheck(1));

/** One or more email addresses: a string (commas between several) or a list of them (recipients). */
export const EmailAddresses = z.union([z.string().min(1).superRefine(addressCheck(Infinity)), z.array(z.string().min(1).superRefine(addressCheck(Infinity))).min(1, 'expected at least one address')], {
  error: `expected an email address or a list of them, e.g. backups@example.com`,
});
