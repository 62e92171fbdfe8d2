import { InvalidArgumentError } from '../errors.js';

/**
 * Quote one argument for a POSIX shell: wrap it in single quotes, writing each embedded `'` as
 * `'\''`. Every byte except NUL survives unchanged (newlines, `$`, backquotes, `\`, globs…).
 * @throws InvalidArgumentError if `arg` contains a NUL character (not representable in argv).
 */
export function shQuote(arg: string): string {
  if (typeof arg !== 'string') throw new InvalidArgumentError('argument', 'must be a string');
  if (arg.includes('\0')) throw new InvalidArgumentError('argument', 'contains a NUL character');
  return "'" + arg.replace(/'/g, "'\\''") + "'";
}

/**
 * Quote a whole argv for a POSIX shell (each element with {@link shQuote}, joined by spaces).
 * This is what {@link SshTransport} sends as the remote command; the remote login shell must be
 * POSIX-compatible (sh, bash, dash, ash, zsh).
 */
export function shQuoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new InvalidArgumentError('argv', 'is empty');
  return argv.map(shQuote).join(' ');
}
