import { createHash, sign as edSign, type KeyObject } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError, ERROR_CODES, type ErrorCode } from "@symbia/sys";
import { z } from "zod";
import { ARTIFACT_DIGEST_HEADER, Artifact } from "./artifacts.js";
import { page, type Page, type ResourceType } from "./common.js";
import { contentDigest, signatureMessage } from "./digest.js";
import { artifactsPath, enc, qs, type CallInit, type RequestBody } from "./transport.js";
import { Grant, HistoryEvent, Resource, ResourceTypeInfo, type CreateResourceInput, type ListResourcesQuery, type UpdateResourceBody } from "./resources.js";
import { SearchResponse, type SearchQuery } from "./search.js";
import { Signature, SigningKey, VerifyResponse, type VerifyBody } from "./signatures.js";
import { ChangelogEntry, Draft, Version, VersionSummary, type ListVersionsQuery, type PublishBody } from "./versions.js";

/** A source of bearer tokens (a `@symbia/id` login session is one). */
export interface TokenSource {
  getToken(): Promise<string>;
}

/** Options of {@link CatalogClient}. */
export interface CatalogClientOptions {
  /** Catalog's base URL, e.g. `http://127.0.0.1:5003`. */
  baseUrl: string;
  /** A bearer token (access token or `sk_` API key), or a source of tokens. */
  token?: string | TokenSource;
  /** Org to act in (`X-Org-Id`); default: the principal's first org. */
  orgId?: string;
  /** Extra headers on every request (trace context, for example). */
  headers?: () => Record<string, string>;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A version selector: a number, `latest` (highest not yanked), or a digest `sha256:<hex>`. */
export type VersionRef = number | "latest" | `sha256:${string}`;

/** Where an artifact lives: a published version, or the draft. */
export type ArtifactVersionRef = VersionRef | "draft";

/** Data an artifact upload accepts: bytes, a string (UTF-8), a Node stream or any async iterable of bytes. */
export type UploadSource = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** A download in progress: what the server declared, and a stream that fails unless the bytes match the digest. */
export interface ArtifactDownload {
  contentType: string;
  /** Declared size in bytes. */
  size: number;
  /** Declared digest `sha256:<hex>`; the stream errors at its end when the bytes do not match. */
  digest: string;
  /** The bytes. Emits `error` (an AppError `bad_gateway`) instead of `end` on a size or digest mismatch. */
  stream: Readable;
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), errorId: z.string().optional() }) });

/**
 * Typed client of the catalog service: resources, drafts, versions, artifacts (streamed upload,
 * digest-checked download), signatures, grants, history and search. Every method throws an
 * `AppError` carrying the catalog's error code (`not_found`, `conflict`, `validation_failed` with
 * `details.issues`, …) when the call fails, and `bad_gateway` when an answer does not have the
 * documented shape or fails its integrity check.
 *
 * @example
 * const catalog = new CatalogClient({ baseUrl: serviceUrl("catalog"), token: session });
 * const graph = await catalog.getVersion("graphs/etl", "latest");
 */
export class CatalogClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: CatalogClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** A client acting in another org (same credentials). */
  inOrg(orgId: string): CatalogClient {
    return new CatalogClient({ ...this.options, orgId });
  }

  // ---- resources -------------------------------------------------------------------------------

  /** Creates a resource (`POST /api/resources`) with its first draft. Needs `cap:catalog.write`. */
  createResource<T extends ResourceType>(input: CreateResourceInput<T>): Promise<Resource> {
    return this.json("POST", "/api/resources", Resource, { json: input });
  }

  /** A resource by id or key (`GET /api/resources/:ref`). */
  getResource(ref: string): Promise<Resource> {
    return this.json("GET", `/api/resources/${enc(ref)}`, Resource);
  }

  /** One page of the resources the caller can read, filtered (`GET /api/resources`). */
  listResources(query: ListResourcesQuery = {}): Promise<Page<Resource>> {
    return this.json("GET", `/api/resources${qs(query)}`, page(Resource));
  }

  /** Every resource matching `query`, page after page. */
  async *iterateResources(query: Omit<ListResourcesQuery, "cursor"> = {}): AsyncGenerator<Resource> {
    let cursor: string | undefined;
    do {
      const result = await this.listResources({ ...query, ...(cursor ? { cursor } : {}) });
      yield* result.items;
      cursor = result.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Edits the draft and descriptive fields (`PATCH /api/resources/:ref`). Needs `cap:catalog.write`. */
  updateResource(ref: string, patch: UpdateResourceBody): Promise<Resource> {
    return this.json("PATCH", `/api/resources/${enc(ref)}`, Resource, { json: patch });
  }

  /** Deletes a resource with its versions, artifacts and signatures. Needs `cap:catalog.admin`. */
  async deleteResource(ref: string): Promise<void> {
    await this.call("DELETE", `/api/resources/${enc(ref)}`);
  }

  /** The draft: its content, the digest publishing would give and whether it changed (`GET …/draft`). */
  getDraft(ref: string): Promise<Draft> {
    return this.json("GET", `/api/resources/${enc(ref)}/draft`, Draft);
  }

  /** The resource's history, oldest first (`GET …/history`). */
  history(ref: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<HistoryEvent>> {
    return this.json("GET", `/api/resources/${enc(ref)}/history${qs(query)}`, page(HistoryEvent));
  }

  /** The resource types and the JSON Schema of each type's body (`GET /api/resource-types`). */
  async resourceTypes(): Promise<ResourceTypeInfo[]> {
    return (await this.json("GET", "/api/resource-types", z.object({ items: z.array(ResourceTypeInfo) }))).items;
  }

  // ---- versions --------------------------------------------------------------------------------

  /** Freezes the draft as the next version (`POST …/publish`). Needs `cap:catalog.publish`; 409 when unchanged. */
  publish(ref: string, body: PublishBody = {}): Promise<Version> {
    return this.verified(this.json("POST", `/api/resources/${enc(ref)}/publish`, Version, { json: body }));
  }

  /**
   * A version by number, `latest` or digest (`GET …/versions/:version`). The content's digest is
   * recomputed here (RFC 8785 + SHA-256) and must match.
   */
  getVersion(ref: string, version: VersionRef): Promise<Version> {
    return this.verified(this.json("GET", `/api/resources/${enc(ref)}/versions/${enc(String(version))}`, Version));
  }

  /** The version history, newest first (`GET …/versions`). */
  listVersions(ref: string, query: ListVersionsQuery = {}): Promise<Page<VersionSummary>> {
    return this.json("GET", `/api/resources/${enc(ref)}/versions${qs(query)}`, page(VersionSummary));
  }

  /** Marks a version deprecated, with a reason. Needs `cap:catalog.publish`. */
  deprecate(ref: string, version: VersionRef, reason: string): Promise<VersionSummary> {
    return this.json("POST", `/api/resources/${enc(ref)}/versions/${enc(String(version))}/deprecate`, VersionSummary, { json: { reason } });
  }

  /** Yanks a version (`latest` skips it from now on), with a reason. Needs `cap:catalog.publish`. */
  yank(ref: string, version: VersionRef, reason: string): Promise<VersionSummary> {
    return this.json("POST", `/api/resources/${enc(ref)}/versions/${enc(String(version))}/yank`, VersionSummary, { json: { reason } });
  }

  /** Each version's changelog, newest first (`GET …/changelog`). */
  async changelog(ref: string): Promise<ChangelogEntry[]> {
    return (await this.json("GET", `/api/resources/${enc(ref)}/changelog`, z.object({ items: z.array(ChangelogEntry) }))).items;
  }

  // ---- artifacts -------------------------------------------------------------------------------

  /**
   * Streams an artifact into the draft (`PUT …/draft/artifacts/:name`, raw body). The SHA-256 is
   * computed here while the bytes go out and must equal the one the catalog computed.
   * Needs `cap:catalog.write`. 413 above the size limit; 415 when the bytes contradict `contentType`.
   */
  async uploadArtifact(ref: string, name: string, data: UploadSource, options: { contentType: string; size?: number }): Promise<Artifact> {
    const hash = createHash("sha256");
    let body: RequestBody;
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (typeof data === "string" || data instanceof Uint8Array) {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      hash.update(bytes);
      body = bytes as unknown as RequestBody;
    } else {
      const hashing = Readable.from(data as AsyncIterable<Uint8Array>).pipe(
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            cb(null, chunk);
          },
        }),
      );
      body = Readable.toWeb(hashing) as unknown as RequestBody;
      if (options.size !== undefined) headers["content-length"] = String(options.size);
    }
    const path = `/api/resources/${enc(ref)}/draft/artifacts/${enc(name)}${qs({ contentType: options.contentType })}`;
    const artifact = await this.json("PUT", path, Artifact, { body, headers, duplex: true });
    const sent = `sha256:${hash.digest("hex")}`;
    if (artifact.digest !== sent) throw new AppError("bad_gateway", `catalog stored ${artifact.digest} but ${sent} was sent`, { sent, stored: artifact.digest });
    return artifact;
  }

  /** Streams a file into the draft as an artifact (size sent as `Content-Length`, so an oversized file is refused at once). */
  async uploadArtifactFile(ref: string, name: string, path: string, options: { contentType: string }): Promise<Artifact> {
    const { size } = await stat(path);
    return this.uploadArtifact(ref, name, createReadStream(path), { contentType: options.contentType, size });
  }

  /** Artifacts of the draft or of a version. */
  async listArtifacts(ref: string, version: ArtifactVersionRef): Promise<Artifact[]> {
    return (await this.json("GET", `${artifactsPath(ref, version)}`, z.object({ items: z.array(Artifact) }))).items;
  }

  /** Removes an artifact from the draft (published versions keep theirs). */
  async deleteDraftArtifact(ref: string, name: string): Promise<void> {
    await this.call("DELETE", `/api/resources/${enc(ref)}/draft/artifacts/${enc(name)}`);
  }

  /**
   * Starts downloading an artifact. The returned stream hashes the bytes as they arrive and ends
   * with an error (AppError `bad_gateway`) instead of `end` when their size or SHA-256 differs from
   * what the catalog declared: treat data as good only after `end`.
   */
  async downloadArtifact(ref: string, version: ArtifactVersionRef, name: string): Promise<ArtifactDownload> {
    const res = await this.call("GET", `${artifactsPath(ref, version)}/${enc(name)}`);
    const digest = res.headers.get(ARTIFACT_DIGEST_HEADER) ?? "";
    const size = Number(res.headers.get("content-length") ?? Number.NaN);
    const contentType = res.headers.get("content-type") ?? "application/octet-stream";
    if (!/^sha256:[0-9a-f]{64}$/.test(digest) || !res.body) throw new AppError("bad_gateway", "catalog sent an artifact without its digest");
    const hash = createHash("sha256");
    let received = 0;
    const verifier = new Transform({
      transform(chunk: Buffer, _enc, cb: TransformCallback) {
        received += chunk.length;
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        const got = `sha256:${hash.digest("hex")}`;
        if (!Number.isNaN(size) && received !== size) return cb(new AppError("bad_gateway", `artifact ${name}: received ${received} bytes, expected ${size}`));
        if (got !== digest) return cb(new AppError("bad_gateway", `artifact ${name}: received bytes hash to ${got}, expected ${digest}`));
        cb();
      },
    });
    const source = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
    source.on("error", (error) => verifier.destroy(error));
    return { contentType, size, digest, stream: source.pipe(verifier) };
  }

  /** Downloads an artifact into memory, verified. For small artifacts. */
  async downloadArtifactBytes(ref: string, version: ArtifactVersionRef, name: string): Promise<{ bytes: Buffer; contentType: string; digest: string }> {
    const download = await this.downloadArtifact(ref, version, name);
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), contentType: download.contentType, digest: download.digest };
  }

  /**
   * Downloads an artifact to `path`: written to `path.partial` and renamed only once the digest
   * matches, so `path` never holds unverified bytes.
   */
  async downloadArtifactToFile(ref: string, version: ArtifactVersionRef, name: string, path: string): Promise<{ size: number; digest: string }> {
    const download = await this.downloadArtifact(ref, version, name);
    const partial = `${path}.partial`;
    try {
      await pipeline(download.stream, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { size: download.size, digest: download.digest };
  }

  // ---- signatures ------------------------------------------------------------------------------

  /** Registers an Ed25519 public key (SPKI PEM or base64 of the raw 32 bytes) for the caller. Needs `cap:catalog.sign`. */
  registerSigningKey(name: string, publicKey: string): Promise<SigningKey> {
    return this.json("POST", "/api/signing-keys", SigningKey, { json: { name, publicKey } });
  }

  /** The caller's signing keys. */
  async listSigningKeys(): Promise<SigningKey[]> {
    return (await this.json("GET", "/api/signing-keys", z.object({ items: z.array(SigningKey) }))).items;
  }

  /** Revokes one of the caller's keys: its signatures stop verifying. */
  revokeSigningKey(keyId: string): Promise<SigningKey> {
    return this.json("DELETE", `/api/signing-keys/${enc(keyId)}`, SigningKey);
  }

  /**
   * Signs a version: fetches it (checking its digest), signs the digest text with `privateKey`
   * (Ed25519, {@link signatureMessage}) and stores the signature. Needs `cap:catalog.sign`.
   */
  async sign(ref: string, version: VersionRef, keyId: string, privateKey: KeyObject | string): Promise<Signature> {
    const v = await this.getVersion(ref, version);
    const signature = edSign(null, signatureMessage(v.digest), privateKey).toString("base64");
    return this.addSignature(ref, v.version, keyId, signature);
  }

  /** Stores a signature made elsewhere over the version's digest; refused (400) when it does not verify. */
  addSignature(ref: string, version: VersionRef, keyId: string, signature: string): Promise<Signature> {
    return this.json("POST", `/api/resources/${enc(ref)}/versions/${enc(String(version))}/signatures`, Signature, { json: { keyId, signature } });
  }

  /** The version's signatures, each re-verified now. */
  async listSignatures(ref: string, version: VersionRef): Promise<Signature[]> {
    return (await this.json("GET", `/api/resources/${enc(ref)}/versions/${enc(String(version))}/signatures`, z.object({ items: z.array(Signature) }))).items;
  }

  /** Verifies a given signature, or (no body) every stored one, against the version's digest. */
  verify(ref: string, version: VersionRef, body: VerifyBody = {}): Promise<VerifyResponse> {
    return this.json("POST", `/api/resources/${enc(ref)}/versions/${enc(String(version))}/verify`, VerifyResponse, { json: body });
  }

  // ---- grants ----------------------------------------------------------------------------------

  /** Explicit grants on a resource (owner or `cap:catalog.admin`). */
  async listGrants(ref: string): Promise<Grant[]> {
    return (await this.json("GET", `/api/resources/${enc(ref)}/grants`, z.object({ items: z.array(Grant) }))).items;
  }

  /** Gives a principal read (or write) access to a private resource. */
  grant(ref: string, principalId: string, access: "read" | "write" = "read"): Promise<Grant> {
    return this.json("PUT", `/api/resources/${enc(ref)}/grants/${enc(principalId)}`, Grant, { json: { access } });
  }

  /** Removes a principal's grant. */
  async revokeGrant(ref: string, principalId: string): Promise<void> {
    await this.call("DELETE", `/api/resources/${enc(ref)}/grants/${enc(principalId)}`);
  }

  // ---- search ----------------------------------------------------------------------------------

  /** Ranked search over key, name, title, description and tags, with filters (`GET /api/search`). */
  search(query: SearchQuery): Promise<SearchResponse> {
    return this.json("GET", `/api/search${qs(query)}`, SearchResponse);
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private async verified(pending: Promise<Version>): Promise<Version> {
    const version = await pending;
    const actual = contentDigest(version.content);
    if (actual !== version.digest) throw new AppError("bad_gateway", `version ${version.version} of ${version.key}: content hashes to ${actual}, declared ${version.digest}`);
    return version;
  }

  private async json<T extends z.ZodType>(method: string, path: string, schema: T, init: CallInit = {}): Promise<z.output<T>> {
    const res = await this.call(method, path, init);
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new AppError("bad_gateway", `catalog answered ${method} ${path} with an unexpected shape`, { issues: parsed.error.issues.slice(0, 5) });
    return parsed.data;
  }

  private async call(method: string, path: string, init: CallInit = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(this.options.headers?.() ?? {}), ...(init.headers ?? {}) };
    const token = typeof this.options.token === "string" ? this.options.token : await this.options.token?.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (this.options.orgId) headers["x-org-id"] = this.options.orgId;
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), ...(init.duplex ? { duplex: "half" } : {}) } as RequestInit);
    if (res.ok) return res;
    const text = await res.text();
    let envelope: z.infer<typeof ErrorBody> | undefined;
    try {
      envelope = ErrorBody.parse(JSON.parse(text));
    } catch {
      /* not an envelope */
    }
    const code: ErrorCode = envelope && (ERROR_CODES as readonly string[]).includes(envelope.error.code) ? (envelope.error.code as ErrorCode) : res.status >= 500 ? "bad_gateway" : "bad_request";
    throw new AppError(code, envelope?.error.message ?? `catalog answered ${res.status}`, envelope?.error.details ?? { status: res.status });
  }
}

