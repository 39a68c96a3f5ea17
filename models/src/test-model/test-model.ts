/**
 * The built-in test model: a tiny, deterministic GGUF chat model generated on the spot, because no
 * model can be downloaded here (ENVIRONMENT-NOTES, "Local LLM").
 *
 * It is a real llama-architecture GGUF v3 model (F32 tensors, SentencePiece "llama" vocabulary with
 * byte tokens, ChatML control tokens and a ChatML `tokenizer.chat_template`) whose weights are built
 * by hand so that real llama.cpp inference always answers with one fixed sentence, then emits
 * `<|im_end|>` (its EOS/EOT token):
 * - every block has all-zero attention and FFN weights, so the residual stream carries the token
 *   embedding through unchanged and the next-token logits depend only on the current token:
 *   `logits = W_out · rmsnorm(embedding(token))`;
 * - each word of the sentence is one vocabulary token (`Hello`, `▁from`, …) with a one-hot
 *   embedding direction, and `W_out` encodes the chain word[i] → word[i+1] → … → `<|im_end|>`;
 * - every other token (bytes, `▁`, control tokens) shares a "start" direction pointing at the first
 *   word, so after any prompt (in particular after `<|im_start|>assistant\n`) the reply starts at
 *   word 0;
 * - the winning logit is ≈ 100 (≥ 50 checked at build time) and every other logit is exactly 0, so
 *   temperature, top-k/top-p, min-p and repetition penalties cannot change the output;
 * - words that would repeat, and pieces that tokenizing prompt text could produce (`▁a` = `▁` + `a`),
 *   are merged with a neighbour, so the chain never revisits a token and no prompt contains a chain
 *   token;
 * - the other embedding dimensions hold small deterministic pseudo-random features (ignored by
 *   `W_out`) and `llama.pooling_type = mean`, so an embedding context returns a deterministic
 *   bag-of-tokens vector.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { encodeGguf, GgufType, type GgufMetaValue, type GgufTensor } from "./gguf-writer.js";

/** The reply the default test model always produces. */
export const DEFAULT_SENTENCE = "Hello from Symbia. This reply comes from the built-in test model, not a real language model.";
/** Default `general.name` of the test model. */
export const DEFAULT_MODEL_NAME = "symbia-tiny-test";
/** File name of the test model in a model directory (its model id is `symbia-tiny-test`). */
export const DEFAULT_FILE_NAME = "symbia-tiny-test.gguf";

/** Options of {@link writeTestModel} and {@link buildTestModel}. */
export interface TestModelOptions {
  /** The fixed reply. Whitespace runs are collapsed to single spaces and the ends trimmed; must not contain "▁" (U+2581). */
  sentence?: string;
  /** `general.name` metadata (default {@link DEFAULT_MODEL_NAME}). */
  name?: string;
  /**
   * Never end the turn: after the last word the reply starts again with the first one, so a chat
   * generates until `maxTokens` or an abort. For tests and benchmarks that need a long generation.
   */
  loop?: boolean;
}

/** What {@link writeTestModel} wrote. */
export interface TestModelResult {
  /** Absolute path of the written file. */
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
  /** The exact text the model replies with (the normalized sentence). */
  sentence: string;
  /** Number of tokens of the reply, not counting `<|im_end|>`. */
  replyTokens: number;
}

const ALIGNMENT = 32;
const SPM_SPACE = "\u2581"; // "▁"
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;
const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;
const UNK_ID = 0;
const BOS_ID = 1;
const IM_END_ID = 4;

/** The standard ChatML template: node-llama-cpp recognizes it as its ChatML wrapper. */
const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Target logit of the chain token (all other logits are 0). */
const LOGIT_MARGIN = 200;
/** Feature-noise energy relative to the chain direction (margin ≈ 200 / sqrt(1 + 3) ≈ 100). */
const FEATURE_ENERGY = 3;

function normalizeSentence(sentence: string): string {
  const s = sentence.replace(/\s+/g, " ").trim();
  if (s.length === 0) throw new Error("sentence must not be empty");
  if (s.includes(SPM_SPACE)) throw new Error(`sentence must not contain "${SPM_SPACE}" (U+2581)`);
  return s;
}

/**
 * Whether llama.cpp's SentencePiece tokenizer could produce `piece` from text. It starts from single
 * code points and merges two adjacent symbols only when their concatenation is a vocabulary token,
 * so a piece is reachable iff it is one code point or splits into two reachable symbols.
 */
function isReachableBySpm(piece: string, vocab: Set<string>, memo = new Map<string, boolean>()): boolean {
  const chars = Array.from(piece);
  if (chars.length <= 1) return true;
  const cached = memo.get(piece);
  if (cached !== undefined) return cached;
  memo.set(piece, false);
  const symbol = (x: string) => Array.from(x).length === 1 || (vocab.has(x) && isReachableBySpm(x, vocab, memo));
  let result = false;
  for (let k = 1; k < chars.length && !result; k++) result = symbol(chars.slice(0, k).join("")) && symbol(chars.slice(k).join(""));
  memo.set(piece, result);
  return result;
}

/**
 * Splits the sentence into the chain's vocabulary pieces: the first word as is, the others prefixed
 * with "▁". A piece is merged with its neighbour (the previous one; the next one for the first) while
 * it duplicates another piece or a reserved token (a chain cannot revisit a token), or could come
 * out of tokenizing prompt text (which would let a prompt start the reply mid-sentence).
 */
function sentenceToPieces(sentence: string, reserved: Set<string>): string[] {
  const pieces = sentence.split(" ").map((word, i) => (i === 0 ? "" : SPM_SPACE) + word);
  for (;;) {
    const vocab = new Set([...reserved, ...pieces]);
    const seen = new Set<string>();
    const bad = pieces.findIndex((p) => {
      const duplicate = seen.has(p);
      seen.add(p);
      return reserved.has(p) || duplicate || isReachableBySpm(p, vocab);
    });
    if (bad < 0 || pieces.length === 1) break;
    if (bad === 0) pieces.splice(0, 2, pieces[0]! + pieces[1]!);
    else pieces.splice(bad - 1, 2, pieces[bad - 1]! + pieces[bad]!);
  }
  if (reserved.has(pieces[0]!)) throw new Error(`cannot build a distinct token for "${pieces[0]}"`);
  return pieces;
}

/** A small deterministic PRNG (mulberry32) giving floats in [-1, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/**
 * Builds the GGUF bytes of the test model in memory.
 *
 * @returns `buffer` (the file), `sentence` (normalized reply), `pieces` (the reply's tokens) and
 * `minLogitMargin` (smallest winning logit; every other logit is 0).
 * @throws Error for an empty sentence, one containing "▁", or one that cannot form a token chain.
 */
export function buildTestModel(opts: TestModelOptions = {}): { buffer: Buffer; sentence: string; pieces: string[]; minLogitMargin: number } {
  const sentence = normalizeSentence(opts.sentence ?? DEFAULT_SENTENCE);
  const name = opts.name ?? DEFAULT_MODEL_NAME;

  // Vocabulary: specials, the 256 byte tokens, "▁", then the sentence pieces.
  const tokens: string[] = [...SPECIAL_TOKENS];
  const tokenTypes: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    tokenTypes.push(TOKEN_TYPE.BYTE);
  }
  tokens.push(SPM_SPACE); // spaces tokenize as "▁" instead of three byte tokens
  tokenTypes.push(TOKEN_TYPE.NORMAL);
  const pieces = sentenceToPieces(sentence, new Set(tokens));
  const chainStart = tokens.length;
  for (const p of pieces) {
    tokens.push(p);
    tokenTypes.push(TOKEN_TYPE.NORMAL);
  }
  const nVocab = tokens.length;
  const nChain = pieces.length;
  if (new Set(tokens).size !== nVocab) throw new Error("internal error: duplicate token strings");

  // Dimensions. dim 0: the "start" direction (all non-chain tokens); dims 1..nChain: chain tokens;
  // the rest: feature noise for embeddings.
  const HEAD_DIM = 32;
  const nEmbd = Math.max(64, Math.ceil((1 + nChain + 16) / HEAD_DIM) * HEAD_DIM);
  const nHead = nEmbd / HEAD_DIM;
  const nFf = 32;
  const nLayer = 1;
  const featureStart = 1 + nChain;
  const nFeatures = nEmbd - featureStart;
  const featureScale = Math.sqrt((3 * FEATURE_ENERGY) / nFeatures); // uniform[-s, s] has variance s²/3

  // Token embeddings, ne = [nEmbd, nVocab]: one row per token.
  const embd = new Float32Array(nEmbd * nVocab);
  for (let t = 0; t < nVocab; t++) {
    const row = t * nEmbd;
    const chainIndex = t - chainStart;
    embd[row + (chainIndex >= 0 ? 1 + chainIndex : 0)] = 1;
    const rnd = prng(0x5eed0000 + t);
    for (let j = featureStart; j < nEmbd; j++) embd[row + j] = rnd() * featureScale;
  }

  // Output matrix, ne = [nEmbd, nVocab]: logits[v] = dot(row v, h). rmsnorm(one-hot + features) puts
  // ≈ sqrt(nEmbd / (1 + FEATURE_ENERGY)) on the one-hot dimension, hence the 1/sqrt(nEmbd) scale.
  const out = new Float32Array(nEmbd * nVocab);
  const w = LOGIT_MARGIN / Math.sqrt(nEmbd);
  out[chainStart * nEmbd + 0] = w; // any non-chain token → first word
  for (let i = 0; i < nChain; i++) {
    const next = i + 1 < nChain ? chainStart + i + 1 : opts.loop ? chainStart : IM_END_ID; // last word → <|im_end|> (or word 0)
    out[next * nEmbd + 1 + i] = w;
  }

  // The smallest winning logit over all tokens (all others are exactly 0).
  let minMargin = Infinity;
  for (let t = 0; t < nVocab; t++) {
    let ss = 0;
    for (let j = 0; j < nEmbd; j++) ss += embd[t * nEmbd + j]! ** 2;
    minMargin = Math.min(minMargin, w / Math.sqrt(ss / nEmbd + 1e-5));
  }
  if (!(minMargin > 50)) throw new Error(`internal error: logit margin too small (${minMargin})`);

  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
  const tensors: GgufTensor[] = [{ name: "token_embd.weight", dims: [nEmbd, nVocab], data: embd }];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: p + "attn_norm.weight", dims: [nEmbd], data: ones(nEmbd) },
      { name: p + "attn_q.weight", dims: [nEmbd, nEmbd], data: zeros(nEmbd * nEmbd) },
      { name: p + "attn_k.weight", dims: [nEmbd, nEmbd], data: zeros(nEmbd * nEmbd) },
      { name: p + "attn_v.weight", dims: [nEmbd, nEmbd], data: zeros(nEmbd * nEmbd) },
      { name: p + "attn_output.weight", dims: [nEmbd, nEmbd], data: zeros(nEmbd * nEmbd) },
      { name: p + "ffn_norm.weight", dims: [nEmbd], data: ones(nEmbd) },
      { name: p + "ffn_gate.weight", dims: [nEmbd, nFf], data: zeros(nEmbd * nFf) },
      { name: p + "ffn_down.weight", dims: [nFf, nEmbd], data: zeros(nFf * nEmbd) },
      { name: p + "ffn_up.weight", dims: [nEmbd, nFf], data: zeros(nEmbd * nFf) },
    );
  }
  tensors.push({ name: "output_norm.weight", dims: [nEmbd], data: ones(nEmbd) }, { name: "output.weight", dims: [nEmbd, nVocab], data: out });

  const u32 = (value: number): GgufMetaValue => ({ type: GgufType.UINT32, value });
  const str = (value: string): GgufMetaValue => ({ type: GgufType.STRING, value });
  const metadata: [string, GgufMetaValue][] = [
    ["general.architecture", str("llama")],
    ["general.name", str(name)],
    ["general.description", str(`Deterministic test model: always replies "${sentence}"${opts.loop ? ", repeated without end" : ""}`)],
    ["general.file_type", u32(0)], // ALL_F32
    ["general.alignment", u32(ALIGNMENT)],
    ["llama.context_length", u32(4096)],
    ["llama.embedding_length", u32(nEmbd)],
    ["llama.block_count", u32(nLayer)],
    ["llama.feed_forward_length", u32(nFf)],
    ["llama.attention.head_count", u32(nHead)],
    ["llama.attention.head_count_kv", u32(nHead)],
    ["llama.rope.dimension_count", u32(HEAD_DIM)],
    ["llama.rope.freq_base", { type: GgufType.FLOAT32, value: 10000 }],
    ["llama.attention.layer_norm_rms_epsilon", { type: GgufType.FLOAT32, value: 1e-5 }],
    ["llama.vocab_size", u32(nVocab)],
    ["llama.pooling_type", u32(1)], // MEAN: embedding contexts return the mean token vector
    ["tokenizer.ggml.model", str("llama")],
    ["tokenizer.ggml.tokens", { type: GgufType.ARRAY, itemType: GgufType.STRING, value: tokens }],
    ["tokenizer.ggml.scores", { type: GgufType.ARRAY, itemType: GgufType.FLOAT32, value: tokens.map(() => 0) }],
    ["tokenizer.ggml.token_type", { type: GgufType.ARRAY, itemType: GgufType.INT32, value: tokenTypes }],
    ["tokenizer.ggml.unknown_token_id", u32(UNK_ID)],
    ["tokenizer.ggml.bos_token_id", u32(BOS_ID)],
    ["tokenizer.ggml.eos_token_id", u32(IM_END_ID)],
    ["tokenizer.ggml.eot_token_id", u32(IM_END_ID)],
    ["tokenizer.ggml.padding_token_id", u32(UNK_ID)],
    ["tokenizer.ggml.add_bos_token", { type: GgufType.BOOL, value: true }],
    ["tokenizer.ggml.add_eos_token", { type: GgufType.BOOL, value: false }],
    ["tokenizer.chat_template", str(CHATML_TEMPLATE)],
  ];

  return { buffer: encodeGguf(metadata, tensors, ALIGNMENT), sentence, pieces, minLogitMargin: minMargin };
}

/**
 * Writes the tiny deterministic GGUF test model (llama architecture, F32, ChatML chat template,
 * ~240 KB for the default sentence) to `path`, creating parent directories. The file is written to
 * a temporary name and renamed, so a model directory never shows a half-written model.
 *
 * Loaded with node-llama-cpp, the model ignores the prompt and replies with exactly `sentence`, then
 * ends its turn, at any temperature and with any sampling settings. It runs real llama.cpp
 * inference (tokenization, chat template, sampling, streaming, aborting, embeddings). The file is
 * byte-for-byte reproducible for the same options.
 *
 * @param path - Output file path (a model directory uses {@link DEFAULT_FILE_NAME}).
 * @param opts - The reply sentence and `general.name`; see {@link TestModelOptions}.
 * @returns The absolute path, size in bytes, hex SHA-256, the exact reply and its token count.
 * @throws Error for an invalid sentence; file system errors as thrown by `node:fs`.
 */
export async function writeTestModel(path: string, opts: TestModelOptions = {}): Promise<TestModelResult> {
  const { buffer, sentence, pieces } = buildTestModel(opts);
  const absPath = resolve(path);
  await mkdir(dirname(absPath), { recursive: true });
  const partial = `${absPath}.${process.pid}.partial`;
  await writeFile(partial, buffer);
  await rename(partial, absPath);
  return { path: absPath, bytes: buffer.length, sha256: createHash("sha256").update(buffer).digest("hex"), sentence, replyTokens: pieces.length };
}

/**
 * Makes sure `dir` holds at least one model: when it has no `*.gguf` file (or does not exist), writes
 * the default test model there as {@link DEFAULT_FILE_NAME}. Used at service start so the whole
 * pipeline runs offline; a real GGUF dropped in the directory means nothing is written.
 *
 * @returns `created: true` and the written file's path, or `created: false` and `path: null`.
 */
export async function ensureTestModel(dir: string): Promise<{ created: boolean; path: string | null }> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.toLowerCase().endsWith(".gguf"))) return { created: false, path: null };
  const result = await writeTestModel(join(dir, DEFAULT_FILE_NAME));
  return { created: true, path: result.path };
}
