import { canonicalJson, type CatalogClient, type Version } from "@symbia/catalog-client";
import { AppError, isAppError } from "@symbia/sys";
import { callerCatalog, catalogFailure, serviceCatalog, type CatalogAccess } from "../catalog/catalog-access.js";
import { builtinCatalogResources, type CatalogResourceEntry } from "./catalog-resources.js";
import type { PublishedResource, PublishReport } from "./components.schemas.js";

/**
 * Publishes the built-in components (and their executor) to catalog's platform org, where
 * catalog's bootstrap file puts the same entries: each resource whose latest version already has
 * exactly this content is left alone, a missing one is created and published as version 1, a
 * different one gets its draft replaced and a new version. Running it again changes nothing.
 *
 * Reads go through the runtime service principal (platform-wide `cap:catalog.read`); writes use
 * the caller's own credential, so catalog decides whether the caller may publish in the platform
 * org (the super admin may) and records the caller as publisher.
 *
 * @throws AppError from catalog with the caller's credential (403 when the caller may not act in
 *   the platform org), `unavailable` (catalog down), `bad_gateway` (catalog failed).
 */
export async function publishBuiltins(access: CatalogAccess, credential: string, options: { changelog: string; entries?: CatalogResourceEntry[] }): Promise<PublishReport> {
  const orgId = access.platformOrgId;
  const writer = callerCatalog(access, credential, orgId);
  const reader = access.session ? serviceCatalog(access, orgId) : writer;
  const items: PublishedResource[] = [];
  for (const entry of options.entries ?? builtinCatalogResources()) {
    try {
      items.push(await publishOne(reader, writer, entry, options.changelog));
    } catch (error) {
      // Someone created or published the same key meanwhile (catalog's bootstrap, another call): look again.
      if (!isAppError(error) || error.code !== "conflict") throw error;
      items.push(await publishOne(reader, writer, entry, options.changelog));
    }
  }
  return { orgId, items };
}

async function publishOne(reader: CatalogClient, writer: CatalogClient, entry: CatalogResourceEntry, changelog: string): Promise<PublishedResource> {
  const latest = await latestVersion(reader, entry.key, reader !== writer);
  const result = (action: PublishedResource["action"], version: Version): PublishedResource => ({ key: entry.key, type: entry.type, action, version: version.version, digest: version.digest });
  if (latest && sameContent(latest, entry)) return result("unchanged", latest);
  // The body is typed loosely here (a manifest or an executor body); catalog checks it against the type's schema.
  const fields = { title: entry.title, description: entry.description, tags: entry.tags, visibility: entry.visibility, metadata: {}, body: entry.body as never };
  const asCaller = (what: string) => (error: unknown) => {
    throw catalogFailure(error, { asService: false, what });
  };
  const exists = latest !== null || (await resourceExists(reader, entry.key, reader !== writer));
  if (exists) await writer.updateResource(entry.key, fields).catch(asCaller(`updating ${entry.key}`));
  else await writer.createResource({ type: entry.type, name: entry.name, ...fields }).catch(asCaller(`creating ${entry.key}`));
  const version = await writer.publish(entry.key, { changelog }).catch(asCaller(`publishing ${entry.key}`));
  return result(exists ? "updated" : "created", version);
}

// The latest (not yanked) version of `key`, or null when there is none.
async function latestVersion(reader: CatalogClient, key: string, asService: boolean): Promise<Version | null> {
  try {
    return await reader.getVersion(key, "latest");
  } catch (error) {
    const failure = catalogFailure(error, { asService, what: `reading ${key}` });
    if (failure.code === "not_found") return null;
    throw failure;
  }
}

async function resourceExists(reader: CatalogClient, key: string, asService: boolean): Promise<boolean> {
  try {
    await reader.getResource(key);
    return true;
  } catch (error) {
    const failure = catalogFailure(error, { asService, what: `reading ${key}` });
    if (failure.code === "not_found") return false;
    throw failure;
  }
}

// What catalog's bootstrap compares too: the descriptive fields and the body (artifacts: none).
function sameContent(version: Version, entry: CatalogResourceEntry): boolean {
  const { content } = version;
  const have = { title: content.title, description: content.description, tags: [...content.tags].sort(), metadata: content.metadata, body: content.body, artifacts: content.artifacts };
  const want = { title: entry.title, description: entry.description, tags: [...entry.tags].sort(), metadata: {}, body: entry.body, artifacts: [] };
  return canonicalJson(have) === canonicalJson(want);
}

/** Error for a publish request that carries no forwardable credential (cookie sessions). */
export function noForwardableCredential(): AppError {
  return new AppError("unauthenticated", "publishing to catalog needs a bearer token or API key (it is forwarded to catalog)");
}
