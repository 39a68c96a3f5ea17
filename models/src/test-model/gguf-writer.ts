/**
 * A minimal GGUF v3 encoder (little endian, F32 tensors only): just what the built-in test model
 * needs. Format reference: ggml's `docs/gguf.md` (header, key/value metadata, tensor infos,
 * aligned tensor data).
 */

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const GGML_TYPE_F32 = 0;

/** GGUF metadata value types (the subset the test model writes). */
export const GgufType = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

/** One metadata value. Arrays hold strings, or numbers written as FLOAT32 or INT32. */
export type GgufMetaValue =
  | { type: typeof GgufType.UINT32 | typeof GgufType.INT32 | typeof GgufType.FLOAT32; value: number }
  | { type: typeof GgufType.BOOL; value: boolean }
  | { type: typeof GgufType.STRING; value: string }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.STRING; value: string[] }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.FLOAT32 | typeof GgufType.INT32; value: number[] };

/** One F32 tensor. `dims` are in ggml order: `dims[0]` is the contiguous (row) dimension. */
export interface GgufTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

class ByteWriter {
  private readonly chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u8(v: number): void {
    this.push(Buffer.from([v]));
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  pad(alignment: number): void {
    const rem = this.length % alignment;
    if (rem !== 0) this.push(Buffer.alloc(alignment - rem));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeScalar(w: ByteWriter, type: number, value: number | boolean | string): void {
  switch (type) {
    case GgufType.UINT32:
      w.u32(value as number);
      break;
    case GgufType.INT32:
      w.i32(value as number);
      break;
    case GgufType.FLOAT32:
      w.f32(value as number);
      break;
    case GgufType.BOOL:
      w.u8(value ? 1 : 0);
      break;
    case GgufType.STRING:
      w.str(value as string);
      break;
    default:
      throw new Error(`unsupported GGUF scalar type ${type}`);
  }
}

/**
 * Encodes a GGUF v3 file: header, metadata in the given order, tensor infos, then the tensor data,
 * each tensor aligned to `alignment` bytes (which should also be written as `general.alignment`).
 *
 * @throws Error when a tensor's data length does not match its dims.
 */
export function encodeGguf(metadata: [string, GgufMetaValue][], tensors: GgufTensor[], alignment: number): Buffer {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, mv] of metadata) {
    w.str(key);
    w.u32(mv.type);
    if (mv.type === GgufType.ARRAY) {
      w.u32(mv.itemType);
      w.u64(mv.value.length);
      for (const item of mv.value) writeScalar(w, mv.itemType, item);
    } else {
      writeScalar(w, mv.type, mv.value);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${t.name}: ${t.data.length} values for dims ${t.dims.join("x")}`);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil((n * 4) / alignment) * alignment;
  }
  w.pad(alignment);
  for (const t of tensors) {
    w.raw(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(alignment);
  }
  return w.toBuffer();
}
