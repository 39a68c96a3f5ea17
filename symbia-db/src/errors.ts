import { AppError } from "@symbia/sys";

/**
 * PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/15/errcodes-appendix.html) that
 * stand for a client's mistake, mapped to the shared error codes. pg-mem raises the same codes
 * for these cases (tested on both backends).
 */
const SQLSTATE_TO_ERROR = {
  "23505": ["conflict", "already exists"],
  "23503": ["conflict", "a referenced or referencing record blocks this change"],
  "23502": ["validation_failed", "a required value is missing"],
  "23514": ["validation_failed", "a value breaks a constraint"],
  "22P02": ["validation_failed", "a value has the wrong format"],
  "22001": ["validation_failed", "a value is too long"],
} as const;

/** The SQLSTATE of a `pg` or pg-mem error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  // drizzle wraps driver errors in DrizzleQueryError; the SQLSTATE sits on its cause.
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Turns a database error caused by the request (unique or foreign-key violation, bad format) into
 * an {@link AppError}; returns `null` for anything else (a real 500). The constraint name is kept
 * in `details`, never the SQL or the values.
 */
export function appErrorFromDatabase(error: unknown): AppError | null {
  const state = sqlState(error);
  if (!state || !(state in SQLSTATE_TO_ERROR)) return null;
  const [code, message] = SQLSTATE_TO_ERROR[state as keyof typeof SQLSTATE_TO_ERROR];
  const constraint = (error as { cause?: { constraint?: unknown } }).cause?.constraint;
  return new AppError(code, message, typeof constraint === "string" ? { constraint } : undefined, { cause: error });
}
