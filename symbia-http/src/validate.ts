import type { RequestHandler } from "express";
import type { z } from "zod";
import { issuesFromZod, validationError, type ValidationIssue } from "./errors.js";

/** Schemas for the parts of a request; each present part is parsed and replaced by its output. */
export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

/** The parsed parts of a request, available as `req.valid` after {@link validate}. */
export interface ValidParts {
  params: unknown;
  query: unknown;
  body: unknown;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Parsed, typed request parts (set by `validate`). */
      valid: ValidParts;
    }
  }
}

/**
 * Middleware validating `req.params`, `req.query` and `req.body` with zod; the parsed values (with
 * defaults and coercions applied) go to `req.valid`. Every failing path of every part is reported
 * at once as a 400 `validation_failed` whose `details.issues` lists `{path, message, code}`.
 */
export function validate(schemas: RequestSchemas): RequestHandler {
  return (req, _res, next) => {
    const issues: ValidationIssue[] = [];
    const valid: ValidParts = { params: req.params, query: req.query, body: req.body };
    for (const part of ["params", "query", "body"] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const input = part === "body" ? (req.body ?? undefined) : req[part];
      const result = schema.safeParse(input);
      if (result.success) valid[part] = result.data;
      else issues.push(...issuesFromZod(result.error, part));
    }
    if (issues.length > 0) return next(validationError(issues));
    req.valid = valid;
    next();
  };
}
