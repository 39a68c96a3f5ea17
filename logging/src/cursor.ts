import { AppError } from "@symbia/sys";

/** A keyset position: the sort time (ms) and the row id that breaks ties. */
export interface Cursor {
  t: number;
  id: string;
}

/** Encodes a keyset position as an opaque base64url token. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.getTime(), id])).toString("base64url");
}

/**
 * Decodes a token from {@link encodeCursor}.
 *
 * @throws AppError `validation_failed` for anything else.
 */
export function decodeCursor(token: string | undefined): Cursor | undefined {
  if (token === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string" && value[1].length <= 200) {
      return { t: value[0] as number, id: value[1] };
    }
  } catch {
    /* fall through */
  }
  throw new AppError("validation_failed", "invalid cursor", { issues: [{ path: "query.cursor", message: "not a cursor this service issued", code: "custom" }] });
}
