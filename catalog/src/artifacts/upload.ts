import type { IncomingMessage } from "node:http";
import type { Readable, Writable } from "node:stream";
import { AppError } from "@symbia/sys";
import busboy from "busboy";
import type { Request, Response } from "express";

/** How long a refused upload's remaining bytes are read and dropped before the connection is cut. */
const DRAIN_MS = 10_000;

/**
 * Pipes `source` into `sink` without ever destroying `source` (an HTTP request: destroying it
 * would kill the socket before the error response is written). Resolves when `done` settles;
 * a source that closes before its end fails `sink` with "upload aborted".
 */
export async function feed(source: Readable, sink: Writable, done: Promise<void>): Promise<void> {
  const onClose = () => {
    if (!source.readableEnded) sink.destroy(new AppError("bad_request", "upload aborted before its end"));
  };
  const onError = (error: Error) => sink.destroy(error);
  source.once("close", onClose);
  source.once("error", onError);
  if (source.readableEnded) sink.destroy(new AppError("bad_request", "the upload body was already read"));
  else source.pipe(sink);
  try {
    await done;
  } finally {
    source.unpipe(sink);
    source.off("close", onClose);
    source.off("error", onError);
  }
}

/**
 * After an upload was refused (413, 415, 403…) before its body was read: answer with
 * `Connection: close`, read and drop what the client is still sending so it can read the
 * answer, and cut the connection after {@link DRAIN_MS}.
 */
export function drainRefusedUpload(req: Request, res: Response): void {
  if (req.complete || req.readableEnded) return;
  if (!res.headersSent) res.setHeader("connection", "close");
  req.unpipe();
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_MS);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
  req.resume();
}

/** One file part of a multipart upload, with the fields sent before it. */
export interface MultipartFile {
  stream: Readable;
  filename: string | undefined;
  mimeType: string;
  fields: Record<string, string>;
  /** Resolves when the whole request parsed cleanly; rejects (400) on a second file part. Await it before storing anything. */
  complete: Promise<void>;
}

/**
 * Reads a `multipart/form-data` request with busboy and hands its single file part to `handle`
 * as a stream (fields must come before the file). A second file part, or none, is a 400; the
 * handler awaits `complete` before it commits, so such a request stores nothing.
 */
export function receiveMultipart<T>(req: IncomingMessage, handle: (file: MultipartFile) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fieldSize: 4_096, parts: 12 } });
    } catch (error) {
      reject(new AppError("bad_request", `malformed multipart request: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let closeOk!: () => void;
    let closeFail!: (error: unknown) => void;
    const complete = new Promise<void>((ok, no) => {
      closeOk = ok;
      closeFail = no;
    });
    complete.catch(() => undefined);
    let handled: Promise<T> | undefined;
    let tooMany = false;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      reject(error);
    };
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (_field, stream, info) => {
      if (handled) {
        stream.resume();
        return;
      }
      handled = handle({ stream, filename: info.filename, mimeType: info.mimeType, fields: { ...fields }, complete });
      handled.catch((error: unknown) => {
        stream.resume();
        fail(error);
      });
    });
    parser.on("filesLimit", () => {
      tooMany = true;
    });
    parser.on("error", (error: Error) => {
      const failure = new AppError("bad_request", `malformed multipart request: ${error.message}`);
      closeFail(failure);
      fail(failure);
    });
    parser.on("close", () => {
      if (settled) return;
      if (!handled) return fail(new AppError("validation_failed", "the multipart request has no file part", { issues: [{ path: "body.file", message: "a file part is required", code: "custom" }] }));
      if (tooMany) closeFail(new AppError("validation_failed", "one file per upload", { issues: [{ path: "body.file", message: "only one file part is accepted", code: "custom" }] }));
      else closeOk();
      handled.then(
        (value) => {
          settled = true;
          resolve(value);
        },
        fail,
      );
    });
    req.pipe(parser);
  });
}
