/** Exit codes: meaningful to scripts. */
export const EXIT = { ok: 0, error: 1, usage: 2, unauthenticated: 3, forbidden: 4, notFound: 5, conflict: 6, unavailable: 7, invalid: 8 } as const;

/** An error the CLI reports in one line, with a hint, and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Maps a service's error envelope code to an exit code and a hint. */
export function fromEnvelope(status: number, code: string | undefined, message: string): CliError {
  switch (code) {
    case "unauthenticated":
      return new CliError(message, EXIT.unauthenticated, "run `symbia login` again");
    case "forbidden":
      return new CliError(message, EXIT.forbidden, "ask an org admin for the entitlement, or pick another org with --org");
    case "not_found":
      return new CliError(message, EXIT.notFound, "check the id and the selected org (`symbia orgs list`)");
    case "conflict":
      return new CliError(message, EXIT.conflict);
    case "validation_failed":
    case "bad_request":
      return new CliError(message, EXIT.invalid, "see `--help` for the expected arguments");
    case "rate_limited":
      return new CliError(message, EXIT.unavailable, "wait and retry");
    default:
      return new CliError(`${message} (HTTP ${status})`, status >= 500 ? EXIT.unavailable : EXIT.error);
  }
}
