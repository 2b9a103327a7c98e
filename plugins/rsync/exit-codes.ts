/**
 * rsync's exit codes as `man rsync` documents them (EXIT VALUES). 23 and 24 are partial
 * transfers; the job's `partialTransferStatus` decides what they become. Every other non-zero
 * code, listed or not, is a failure.
 */
export const RSYNC_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files, dirs',
  4: 'requested action not supported',
  5: 'error starting client-server protocol',
  6: 'daemon unable to append to log-file',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in rsync protocol data stream',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  20: 'received SIGUSR1 or SIGINT',
  21: 'some error returned by waitpid()',
  22: 'error allocating core memory buffers',
  23: 'partial transfer due to error',
  24: 'partial transfer due to vanished source files',
  25: 'the --max-delete limit stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
};

/** Exit codes that mean "some files were not transferred" rather than "the run failed". */
export const PARTIAL_TRANSFER_CODES: readonly number[] = [23, 24];

/** "rsync exited with code 11 (error in file I/O)". */
export function describeExitCode(code: number): string {
  const meaning = RSYNC_EXIT_CODES[code] ?? 'undocumented exit code';
  return `rsync exited with code ${code} (${meaning})`;
}
