import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";
import bcrypt from "bcrypt";
import { AppError } from "@symbia/sys";

const zxcvbn = new ZxcvbnFactory({ graphs: adjacencyGraphs, dictionary });

/** Minimum password length, and minimum zxcvbn score (0–4). */
export const PASSWORD_POLICY = { minLength: 12, maxLength: 1024, minScore: 2 } as const;

/**
 * Enforces the password policy: at least 12 characters and a zxcvbn strength score of at least 2
 * (rejects dictionary words, keyboard walks and repeats even when long), judged with the user's
 * own email and name as known inputs.
 *
 * @throws AppError validation_failed naming `body.<field>` with the estimator's feedback.
 */
export function assertPasswordPolicy(password: string, userInputs: string[], field = "password"): void {
  const issues: string[] = [];
  if (password.length < PASSWORD_POLICY.minLength) issues.push(`must be at least ${PASSWORD_POLICY.minLength} characters`);
  else {
    const result = zxcvbn.check(password.slice(0, 100), userInputs);
    if (result.score < PASSWORD_POLICY.minScore) issues.push(result.feedback.warning ? `too weak: ${result.feedback.warning}` : "too weak: add more unpredictable words or characters");
  }
  if (issues.length) throw new AppError("validation_failed", `weak password: ${issues.join("; ")}`, { issues: issues.map((message) => ({ path: `body.${field}`, message, code: "weak_password" })) });
}

/** bcrypt hash at the configured cost. */
export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** A hash of nothing, compared when the user does not exist so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;

/** bcrypt comparison; with `hash` null, spends the same time and answers false. */
export async function verifyPassword(password: string, hash: string | null, cost: number): Promise<boolean> {
  if (hash === null) {
    dummyHash ??= bcrypt.hash("no such user, constant time", cost);
    await bcrypt.compare(password, await dummyHash);
    return false;
  }
  return bcrypt.compare(password, hash);
}
