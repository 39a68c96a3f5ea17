import { Transform, type TransformCallback } from "node:stream";
import { createHash } from "node:crypto";
import { TextDecoder } from "node:util";
import { AppError } from "@symbia/sys";
import { fileTypeFromBuffer, supportedMimeTypes } from "file-type";

/** Bytes kept from the start of an upload for signature ("magic number") detection. */
const SNIFF_BYTES = 4_100;

const ALIASES: Record<string, string> = { "application/x-gzip": "application/gzip", "image/jpg": "image/jpeg", "text/javascript": "application/javascript" };

/** The media type without parameters, lower-cased, with common aliases folded (`application/x-gzip` → `application/gzip`). */
export function essenceOf(contentType: string): string {
  const essence = contentType.split(";")[0]!.trim().toLowerCase();
  return ALIASES[essence] ?? essence;
}

/** True for types whose bytes must be UTF-8 text (text/*, JSON, JavaScript, YAML, XML…). */
export function isTextual(essence: string): boolean {
  return (
    essence.startsWith("text/") ||
    ["application/json", "application/javascript", "application/yaml", "application/x-ndjson", "application/xml", "application/x-yaml"].includes(essence) ||
    essence.endsWith("+json") ||
    essence.endsWith("+xml")
  );
}

/** True when `essence` is in the allow-list (`type/subtype` or `type/*` entries). */
export function isAllowedType(essence: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const folded = ALIASES[entry] ?? entry;
    return folded === essence || (folded.endsWith("/*") && essence.startsWith(folded.slice(0, -1)));
  });
}

/**
 * Checks a declared content type before any byte is read.
 * @throws AppError unsupported_media_type when the type is not allowed.
 */
export function checkDeclaredType(contentType: string, allowed: readonly string[]): string {
  const essence = essenceOf(contentType);
  if (!isAllowedType(essence, allowed)) throw new AppError("unsupported_media_type", `artifacts of type ${essence} are not accepted here`, { contentType: essence, allowed });
  return essence;
}

/**
 * Whether the bytes agree with the declared type: text types must be UTF-8 and not a detectable
 * binary format; a binary type that file-type can recognise must carry its signature; a detected
 * format must be the declared one (`application/octet-stream` accepts anything binary).
 * Returns the problem, or null.
 */
export async function contentProblem(essence: string, head: Buffer, validUtf8: boolean): Promise<string | null> {
  const sniffed = head.length ? await fileTypeFromBuffer(head) : undefined;
  const detected = sniffed ? essenceOf(sniffed.mime) : undefined;
  if (isTextual(essence)) {
    if (detected && !isTextual(detected)) return `declared ${essence} but the bytes are ${detected}`;
    if (!validUtf8) return `declared ${essence} but the bytes are not valid UTF-8`;
    return null;
  }
  if (essence === "application/octet-stream") return null;
  if (detected) return detected === essence ? null : `declared ${essence} but the bytes are ${detected}`;
  return supportedMimeTypes.has(essence) ? `declared ${essence} but the bytes do not carry its signature` : null;
}

/**
 * A pass-through stream that measures an upload as it flows to disk: counts bytes (failing with
 * 413 past `limit`), computes the SHA-256, keeps the first bytes for type detection, and (for text
 * types) checks UTF-8 incrementally.
 */
export class UploadMeter extends Transform {
  size = 0;
  private readonly hash = createHash("sha256");
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private readonly decoder: TextDecoder | null;
  validUtf8 = true;

  constructor(private readonly limit: number, textual: boolean) {
    super();
    this.decoder = textual ? new TextDecoder("utf-8", { fatal: true }) : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) return callback(tooLarge(this.limit));
    this.hash.update(chunk);
    if (this.headLength < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headLength);
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    if (this.decoder && this.validUtf8) {
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        this.validUtf8 = false;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.decoder && this.validUtf8) {
      try {
        this.decoder.decode();
      } catch {
        this.validUtf8 = false;
      }
    }
    callback();
  }

  /** `sha256:<hex>` of everything that passed (call once, after the end). */
  digest(): string {
    return `sha256:${this.hash.digest("hex")}`;
  }

  /** The first bytes, for type detection. */
  head(): Buffer {
    return Buffer.concat(this.headChunks);
  }
}

/** The 413 of an artifact over the limit. */
export function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `artifact is larger than the limit of ${limit} bytes`, { limitBytes: limit });
}
