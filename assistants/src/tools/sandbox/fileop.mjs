// File operations of the code tools, run by Node *inside* the sandbox (see ../sandbox.ts) as the
// workspace's uid, with the workspace at /workspace. Reads one JSON request on stdin
// ({ op, args }) and writes one JSON answer on stdout: { ok: true, output } or
// { ok: false, code, message }. Plain JavaScript so it runs without a TypeScript loader.
//
// Confinement here is the second line of defence (the first: nothing but the workspace, /usr and
// a private /tmp exists in the sandbox): every path is resolved lexically against /workspace,
// then component by component with symlinks followed by hand (a realpath that also refuses a
// dangling link pointing outside), and refused when it leaves /workspace; writes never follow a
// symlink in the last component (O_NOFOLLOW). Calls in one workspace are serialized and no
// process outlives its call, so nothing can swap a link between the check and the open.
import fs from "node:fs";
import path from "node:path";

const ROOT = "/workspace";
const SEARCH_FILE_LIMIT = 4 * 1024 * 1024;

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const inside = (p) => p === ROOT || p.startsWith(`${ROOT}/`);
const relative = (p) => path.relative(ROOT, p) || ".";

function lexical(p) {
  if (typeof p !== "string" || p.length === 0) throw new Refusal("invalid_path", "path is empty");
  if (p.includes("\0")) throw new Refusal("invalid_path", "path contains a NUL byte");
  if (path.isAbsolute(p)) throw new Refusal("path_escape", `absolute paths are not allowed: ${p}`);
  const resolved = path.resolve(ROOT, p);
  if (!inside(resolved)) throw new Refusal("path_escape", `path leaves the workspace: ${p}`);
  return resolved;
}

/**
 * Resolves `abs` (already lexically inside /workspace) one component at a time, following
 * symlinks by hand so that a link pointing outside is refused even when its target does not
 * exist here. Missing folders are created when `create` is set; a missing last component is
 * allowed when `mustExist` is false.
 */
function resolveInside(abs, original, { mustExist = true, create = false } = {}) {
  let parts = path.relative(ROOT, abs).split(path.sep).filter(Boolean);
  let current = ROOT;
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift();
    const next = path.join(current, part);
    if (!inside(next)) throw new Refusal("path_escape", `path leaves the workspace: ${original}`);
    let stat;
    try {
      stat = fs.lstatSync(next);
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
      if (create) {
        fs.mkdirSync(next);
        current = next;
        continue;
      }
      if (parts.length === 0 && !mustExist) return next;
      throw new Refusal("not_found", `no such file or folder: ${original}`);
    }
    if (stat.isSymbolicLink()) {
      hops += 1;
      if (hops > 40) throw new Refusal("invalid_path", `too many symlinks: ${original}`);
      const target = path.resolve(current, fs.readlinkSync(next));
      if (!inside(target)) throw new Refusal("path_escape", `path leaves the workspace through a symlink: ${original}`);
      parts = [...path.relative(ROOT, target).split(path.sep).filter(Boolean), ...parts];
      current = ROOT;
      continue;
    }
    if (parts.length > 0 && !stat.isDirectory()) throw new Refusal("not_a_folder", `not a folder: ${path.relative(ROOT, next)}`);
    current = next;
  }
  return current;
}

function read(args) {
  const real = resolveInside(lexical(args.path), args.path);
  const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Refusal("not_a_file", `not a regular file: ${args.path}`);
    const want = Math.min(stat.size, args.maxBytes);
    const buffer = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(fd, buffer, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    const content = buffer.subarray(0, got).toString(args.encoding === "base64" ? "base64" : "utf8");
    return { path: relative(real), content, encoding: args.encoding, size: stat.size, truncated: stat.size > got };
  } finally {
    fs.closeSync(fd);
  }
}

function write(args) {
  const target = lexical(args.path);
  if (target === ROOT) throw new Refusal("not_a_file", "cannot write the workspace root");
  const parent = resolveInside(path.dirname(target), args.path, { create: args.createDirs });
  const final = path.join(parent, path.basename(target));
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | (args.append ? fs.constants.O_APPEND : fs.constants.O_TRUNC);
  let fd;
  try {
    fd = fs.openSync(final, flags, 0o644);
  } catch (error) {
    if (error.code === "ELOOP") throw new Refusal("path_escape", `refusing to write through a symlink: ${args.path}`);
    if (error.code === "EISDIR") throw new Refusal("not_a_file", `is a folder: ${args.path}`);
    throw error;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Refusal("not_a_file", `not a regular file: ${args.path}`);
    const data = Buffer.from(args.content, args.encoding === "base64" ? "base64" : "utf8");
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
    return { path: relative(final), bytesWritten: written };
  } finally {
    fs.closeSync(fd);
  }
}

function typeOf(dirent) {
  if (dirent.isSymbolicLink()) return "symlink";
  if (dirent.isDirectory()) return "dir";
  if (dirent.isFile()) return "file";
  return "other";
}

/** Walks below `start` without following symlinks; calls visit(fullPath, type) until it returns false. */
function walk(start, recursive, visit) {
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.shift();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const type = typeOf(entry);
      if (visit(full, type) === false) return;
      if (recursive && type === "dir") queue.push(full);
    }
  }
}

function list(args) {
  const real = resolveInside(lexical(args.path), args.path);
  if (!fs.statSync(real).isDirectory()) throw new Refusal("not_a_folder", `not a folder: ${args.path}`);
  const entries = [];
  let truncated = false;
  walk(real, args.recursive, (full, type) => {
    if (entries.length >= args.maxEntries) {
      truncated = true;
      return false;
    }
    let size = 0;
    try {
      size = type === "file" ? fs.lstatSync(full).size : 0;
    } catch {
      // removed meanwhile
    }
    entries.push({ path: relative(full), type, size });
    return true;
  });
  return { path: relative(real), entries, truncated };
}

function search(args) {
  const real = resolveInside(lexical(args.path), args.path);
  const matcher = args.regex
    ? ((re) => (line) => re.test(line))(new RegExp(args.pattern, args.ignoreCase ? "i" : ""))
    : args.ignoreCase
      ? ((needle) => (line) => line.toLowerCase().includes(needle))(args.pattern.toLowerCase())
      : (line) => line.includes(args.pattern);
  const matches = [];
  let filesSearched = 0;
  let truncated = false;
  const searchFile = (full) => {
    const stat = fs.lstatSync(full);
    if (!stat.isFile() || stat.size > SEARCH_FILE_LIMIT) return true;
    const buffer = fs.readFileSync(full);
    if (buffer.subarray(0, 8192).includes(0)) return true;
    filesSearched += 1;
    const lines = buffer.toString("utf8").split("\n");
    for (let i = 0; i < lines.length; i += 1) {
      if (!matcher(lines[i])) continue;
      if (matches.length >= args.maxResults) {
        truncated = true;
        return false;
      }
      matches.push({ path: relative(full), line: i + 1, text: lines[i].slice(0, 500) });
    }
    return true;
  };
  if (fs.statSync(real).isFile()) searchFile(real);
  else walk(real, true, (full, type) => (type === "file" ? searchFile(full) : true));
  return { matches, filesSearched, truncated };
}

const OPS = { "file.read": read, "file.write": write, "file.list": list, "file.search": search };

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  let answer;
  try {
    const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const op = OPS[request.op];
    if (!op) throw new Refusal("unknown_tool", `unknown file operation: ${request.op}`);
    answer = { ok: true, output: op(request.args) };
  } catch (error) {
    answer = error instanceof Refusal
      ? { ok: false, code: error.code, message: error.message }
      : { ok: false, code: "io_error", message: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer));
}

main();
