// Errors that cross the CLI boundary. Library code throws these; only src/cli/
// turns them into a message and an exit code.

/** Exit codes, documented in the README. */
export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;
/** A bug: an error no input should cause (sysexits' EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/** Bad input the user can fix: unreadable file, corrupt .gz, not a perf script. One sentence, no stack. */
export class InputError extends Error {
  readonly exitCode = EXIT_INPUT;
  readonly code: string;
  constructor(message: string, code = 'faultpath.input') {
    super(message);
    this.name = 'InputError';
    this.code = code;
  }
}

/** Wrong flags or arguments. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  readonly code = 'faultpath.usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
