import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { GGMLFileQuantizationType, gguf, parseGgufShardFilename } from "@huggingface/gguf";

/** What a GGUF header says about a model (parsed with `@huggingface/gguf`, header bytes only). */
export interface ModelHeader {
  /** `general.architecture`, e.g. `llama`, `qwen2`, `bert`. */
  architecture: string;
  /** `general.name`, when the file has one. */
  name: string | null;
  /** `<arch>.context_length`: tokens the model was trained with. */
  contextLength: number | null;
  /** `<arch>.embedding_length`: hidden size (also the embedding vector size). */
  embeddingLength: number | null;
  /** `<arch>.block_count`: transformer layers. */
  blockCount: number | null;
  /** `<arch>.attention.head_count` and `head_count_kv` (KV cache size). */
  headCount: number | null;
  headCountKv: number | null;
  /** `general.file_type` as a name (`F32`, `Q4_K_M`, …). */
  quantization: string | null;
  /** Total parameters, counted from the tensor shapes. */
  parameterCount: number;
  /** True when the file carries a `tokenizer.chat_template`. */
  hasChatTemplate: boolean;
  /** `<arch>.pooling_type`, when set (embedding models). */
  poolingType: number | null;
}

/** One GGUF file of the model directory. */
export interface ModelFile {
  /** Model id: the file name without `.gguf`. */
  id: string;
  /** File name inside the model directory. */
  file: string;
  /** Absolute path (never sent to clients). */
  path: string;
  sizeBytes: number;
  modifiedAt: Date;
  /** Parsed header, or null when the file is not a readable GGUF (see `error`). */
  header: ModelHeader | null;
  error: string | null;
  /** What the model can do: chat needs a decoder; embeddings need pooling or an encoder architecture. */
  capabilities: { chat: boolean; embeddings: boolean };
}

/** Model ids the API accepts: the file name without `.gguf`. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Encoder-only architectures (llama.cpp names): they embed but cannot chat. */
const ENCODER_ARCHITECTURES = new Set(["bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert", "neo-bert", "t5encoder"]);

const numberOrNull = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : null);

/**
 * Reads the header of a GGUF file (only the header bytes are read, not the tensors).
 *
 * @throws Error when the file is not a GGUF file or uses an unsupported GGUF version.
 */
export async function readModelHeader(path: string): Promise<ModelHeader> {
  const parsed = await gguf(path, { allowLocalFile: true, computeParametersCount: true });
  const md = parsed.metadata as unknown as Record<string, unknown>;
  const architecture = typeof md["general.architecture"] === "string" ? md["general.architecture"] : "unknown";
  const key = (suffix: string) => numberOrNull(md[`${architecture}.${suffix}`]);
  const fileType = numberOrNull(md["general.file_type"]);
  return {
    architecture,
    name: typeof md["general.name"] === "string" ? md["general.name"] : null,
    contextLength: key("context_length"),
    embeddingLength: key("embedding_length"),
    blockCount: key("block_count"),
    headCount: key("attention.head_count"),
    headCountKv: key("attention.head_count_kv") ?? key("attention.head_count"),
    quantization: fileType === null ? null : (GGMLFileQuantizationType[fileType] ?? `type_${fileType}`),
    parameterCount: parsed.parameterCount,
    hasChatTemplate: typeof md["tokenizer.chat_template"] === "string",
    poolingType: key("pooling_type"),
  };
}

/** Chat and embedding support from a header: encoders only embed; decoders chat, and embed when the file sets a pooling type. */
export function capabilitiesOf(header: ModelHeader | null): ModelFile["capabilities"] {
  if (!header) return { chat: false, embeddings: false };
  const encoder = ENCODER_ARCHITECTURES.has(header.architecture);
  return { chat: !encoder, embeddings: encoder || (header.poolingType !== null && header.poolingType > 0) };
}

/**
 * Estimated resident memory, in bytes, of a model loaded with `slots` sequences of `contextSize`
 * tokens: the file (weights are memory-mapped and read in full), an F16 KV cache
 * (2 × layers × cells × kv width × 2 bytes, with kv width = embedding × kvHeads / heads), and a fixed
 * 128 MiB for the worker process (Node.js, llama.cpp compute buffers). An estimate for admission,
 * not a measurement; the measured RSS is reported once loaded.
 */
export function estimateMemoryBytes(file: Pick<ModelFile, "sizeBytes" | "header">, contextSize: number, slots: number): number {
  const h = file.header;
  const layers = h?.blockCount ?? 0;
  const embd = h?.embeddingLength ?? 0;
  const kvWidth = h?.headCount && h.headCountKv ? (embd * h.headCountKv) / h.headCount : embd;
  const kvCache = 2 * layers * contextSize * slots * kvWidth * 2;
  return Math.ceil(file.sizeBytes + kvCache + 128 * 1024 * 1024);
}

/**
 * The model directory: lists its GGUF files with their headers and SHA-256 digests. Headers and
 * digests are cached per (path, size, mtime), so a listing re-reads only changed files. Split GGUF
 * files (`-00001-of-00003.gguf`) and names that are not valid model ids are not listed.
 */
export class ModelCatalog {
  private readonly headers = new Map<string, { stamp: string; header: ModelHeader | null; error: string | null }>();
  private readonly digests = new Map<string, { stamp: string; digest: Promise<string> }>();

  constructor(readonly dir: string) {}

  /** Every listable GGUF file of the directory, sorted by id. An absent directory lists nothing. */
  async list(): Promise<ModelFile[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const files = names.filter((n) => n.toLowerCase().endsWith(".gguf") && !parseGgufShardFilename(n) && MODEL_ID_PATTERN.test(idOf(n)));
    const models = await Promise.all(files.map((n) => this.describe(n)));
    return models.filter((m): m is ModelFile => m !== null).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** One model by id, or null when the directory has no such file. */
  async get(id: string): Promise<ModelFile | null> {
    if (!MODEL_ID_PATTERN.test(id)) return null;
    return (await this.describe(`${id}.gguf`)) ?? (await this.list()).find((m) => m.id === id) ?? null;
  }

  /** Hex SHA-256 of a model's file, computed once per (size, mtime) by streaming the file. */
  sha256(model: ModelFile): Promise<string> {
    const stamp = stampOf(model);
    const cached = this.digests.get(model.path);
    if (cached?.stamp === stamp) return cached.digest;
    const digest = new Promise<string>((resolve, reject) => {
      const hash = createHash("sha256");
      createReadStream(model.path)
        .on("data", (chunk) => hash.update(chunk))
        .on("error", reject)
        .on("end", () => resolve(hash.digest("hex")));
    });
    digest.catch(() => this.digests.delete(model.path));
    this.digests.set(model.path, { stamp, digest });
    return digest;
  }

  private async describe(name: string): Promise<ModelFile | null> {
    const path = join(this.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const base = { id: idOf(name), file: name, path, sizeBytes: info.size, modifiedAt: info.mtime };
    const stamp = stampOf(base);
    let entry = this.headers.get(path);
    if (entry?.stamp !== stamp) {
      try {
        entry = { stamp, header: await readModelHeader(path), error: null };
      } catch (error) {
        entry = { stamp, header: null, error: `not a readable GGUF file: ${error instanceof Error ? error.message : String(error)}` };
      }
      this.headers.set(path, entry);
    }
    return { ...base, header: entry.header, error: entry.error, capabilities: capabilitiesOf(entry.header) };
  }
}

function idOf(fileName: string): string {
  return fileName.replace(/\.gguf$/i, "");
}

function stampOf(file: { sizeBytes: number; modifiedAt: Date }): string {
  return `${file.sizeBytes}:${file.modifiedAt.getTime()}`;
}
