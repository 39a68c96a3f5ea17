import { and, asc, eq } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { AppError, CAPABILITIES, type Principal } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { applications, appServices, projects } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { requireOrgAccess } from "./access.js";

const WRITE = CAPABILITIES.identity.projectsWrite;
const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v);

type Level = {
  kind: "project" | "application" | "service";
  table: PgTable & { id: PgColumn; orgId: PgColumn; name: PgColumn; createdAt: PgColumn };
  /** Column naming the parent (none for projects, which hang off the org). */
  parent?: PgColumn;
  /** The level the parent belongs to. */
  parentLevel?: Level;
};

const projectLevel: Level = { kind: "project", table: projects };
const applicationLevel: Level = { kind: "application", table: applications, parent: applications.projectId, parentLevel: projectLevel };
const serviceLevel: Level = { kind: "service", table: appServices, parent: appServices.applicationId, parentLevel: applicationLevel };

/** The three levels under an org: projects → applications → services. */
export const LEVELS = { project: projectLevel, application: applicationLevel, service: serviceLevel } as const;

type Row = Record<string, unknown> & { id: string; createdAt: Date };
const view = (row: Row) => ({ ...row, createdAt: row.createdAt.toISOString() });

async function findIn(deps: IdentityDeps, level: Level, orgId: string, id: string): Promise<Row> {
  const t = level.table;
  const rows = isUuid(id) ? ((await deps.database.db.select().from(t).where(and(eq(t.orgId, orgId), eq(t.id, id))).limit(1)) as Row[]) : [];
  if (!rows[0]) throw new AppError("not_found", `${level.kind} not found`);
  return rows[0];
}

/**
 * CRUD for one level of the org hierarchy. Reads need membership; writes need
 * `cap:identity.projects.write` (org admins). Parents are checked in the same org, so another
 * tenant's project or application answers 404.
 */
export function hierarchy(level: Level) {
  const t = level.table;
  return {
    async list(deps: IdentityDeps, caller: Principal, orgId: string, parentId?: string) {
      requireOrgAccess(caller, orgId);
      if (level.parentLevel && parentId) await findIn(deps, level.parentLevel, orgId, parentId);
      const where = level.parent && parentId ? and(eq(t.orgId, orgId), eq(level.parent, parentId)) : eq(t.orgId, orgId);
      return ((await deps.database.db.select().from(t).where(where).orderBy(asc(t.name))) as Row[]).map(view);
    },
    async get(deps: IdentityDeps, caller: Principal, orgId: string, id: string) {
      requireOrgAccess(caller, orgId);
      return view(await findIn(deps, level, orgId, id));
    },
    async create(deps: IdentityDeps, caller: Principal, orgId: string, input: { name: string; description?: string }, parentId?: string) {
      requireOrgAccess(caller, orgId, WRITE);
      if (level.parentLevel) await findIn(deps, level.parentLevel, orgId, parentId ?? "");
      const values: Record<string, unknown> = { orgId, name: input.name, description: input.description ?? null };
      if (level.kind === "application") values.projectId = parentId;
      if (level.kind === "service") values.applicationId = parentId;
      let row: Row;
      try {
        [row] = (await deps.database.db.insert(t).values(values as never).returning()) as Row[] as [Row];
      } catch (error) {
        if ((error as { cause?: { code?: string } }).cause?.code === "23505") throw new AppError("conflict", `a ${level.kind} with this name exists`);
        throw error;
      }
      await audit(deps, { action: `${level.kind}.created`, outcome: "success", orgId, actor: caller, targetType: level.kind, targetId: row.id });
      return view(row);
    },
    async update(deps: IdentityDeps, caller: Principal, orgId: string, id: string, input: { name?: string; description?: string }) {
      requireOrgAccess(caller, orgId, WRITE);
      await findIn(deps, level, orgId, id);
      const [row] = (await deps.database.db.update(t).set(input as never).where(and(eq(t.orgId, orgId), eq(t.id, id))).returning()) as Row[];
      return view(row!);
    },
    async remove(deps: IdentityDeps, caller: Principal, orgId: string, id: string) {
      requireOrgAccess(caller, orgId, WRITE);
      await findIn(deps, level, orgId, id);
      await deps.database.db.delete(t).where(and(eq(t.orgId, orgId), eq(t.id, id)));
      await audit(deps, { action: `${level.kind}.deleted`, outcome: "success", orgId, actor: caller, targetType: level.kind, targetId: id });
    },
  };
}
